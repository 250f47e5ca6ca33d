/// Request IDs: the one rule for accepting a client's and the one way to make a new one, shared
/// by `RequestContextMiddleware` and the reverse proxy so a request keeps one ID end to end.
public enum HTTPRequestID {
    /// The client's ID if it is 1–128 visible ASCII characters; anything else could carry a log
    /// injection or a header split into logs and upstream requests, so it is replaced.
    public static func acceptable(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count),
              value.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        return value
    }

    /// 128 random bits as 32 lowercase hex digits.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(32)
        for word in [generator.next() as UInt64, generator.next() as UInt64] {
            for shift in stride(from: 60, through: 0, by: -4) { text.append(digits[Int(word >> UInt64(shift) & 0xF)]) }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
