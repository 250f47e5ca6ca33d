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
        randomBytes.withLock { pool in
            pool.withBytes(count: 16) { random in
                // Written in place: building an array and converting it cost three allocations.
                String(unsafeUninitializedCapacity: 32) { text in
                    var position = 0
                    for byte in random {
                        text[position] = hexDigits[Int(byte >> 4)]
                        text[position + 1] = hexDigits[Int(byte & 0xF)]
                        position += 2
                    }
                    return 32
                }
            }
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let randomBytes = Locked(RandomBytePool())
}
