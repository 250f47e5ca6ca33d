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
        // Only the 16 bytes are taken under the lock, shared by every loop; the text is written
        // after it, so the allocation and the loop no longer hold the other loops up.
        let (low, high) = randomBytes.withLock { draw(from: &$0) }
        return text(low: low, high: high)
    }

    /// The same, drawn from `loop`'s own random bytes when called on its thread (a request's
    /// `eventLoop`), else from the shared ones.
    ///
    /// A proxy makes an ID for every request, and the one pool every loop shares, behind a lock,
    /// was 1 % of its user time, more when loops met at the lock.
    public static func generate(on loop: EventLoop?) -> String {
        guard let loop, loop.inEventLoop else { return generate() }
        let (low, high) = draw(from: &loop.loopOnly.requestIDBytes)
        return text(low: low, high: high)
    }

    /// 16 bytes of `pool` as two words.
    private static func draw(from pool: inout RandomBytePool) -> (UInt64, UInt64) {
        pool.withBytes(count: 16) { random in
            random.withUnsafeBytes { ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
        }
    }

    /// The 32 hex digits of `low` then `high`, least significant byte first.
    private static func text(low: UInt64, high: UInt64) -> String {
        // Written in place: building an array and converting it cost three allocations.
        String(unsafeUninitializedCapacity: 32) { text in
            for index in 0..<16 {
                let word = index < 8 ? low : high
                let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
                text[2 * index] = hexDigit(byte >> 4)
                text[2 * index + 1] = hexDigit(byte & 0xF)
            }
            return 32
        }
    }

    /// The lowercase hex digit of `value` (0–15).
    @inline(__always)
    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") - 10 + value
    }

    private static let randomBytes = Locked(RandomBytePool())
}
