/// The ID that ties a request's log lines together across the proxy and its backends.
enum RequestID {
    /// The client's ID when it is sane, else a fresh one. Sane: 1–128 visible ASCII
    /// characters, so a client cannot push a huge or control-character value into logs.
    static func forwarded(_ received: String?) -> String {
        if let received, (1...128).contains(received.utf8.count), received.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return received
        }
        return generated()
    }

    /// 128 random bits as 32 lower-case hex digits.
    static func generated() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
