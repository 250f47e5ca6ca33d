/// A keyed hash of API keys: the same key always gives the same 64 bits in one process (and in
/// every process given the same secret), and the bits do not give the key back.
///
/// Raw API keys must not reach a shared store or a log line: anyone reading Redis or the logs
/// could then replay them. SipHash-2-4 keyed with 128 secret bits (Swift's `Hasher` is SipHash
/// but seeded per process, which would make Redis keys differ between proxies sharing a limit).
public struct KeyHasher: Sendable {
    private let key0: UInt64
    private let key1: UInt64

    /// A hasher with `secret` (any text; proxies sharing a Redis must share it), or random bits.
    public init(secret: String? = nil) {
        if let secret {
            // Two FNV-1a passes with different offsets stretch the text into 128 key bits.
            var first: UInt64 = 0xCBF2_9CE4_8422_2325
            var second: UInt64 = 0x6C62_272E_07BB_0142
            for byte in secret.utf8 {
                first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
                second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
                second = second.rotatedLeft(by: 17)
            }
            key0 = first
            key1 = second
        } else {
            var generator = SystemRandomNumberGenerator()
            key0 = generator.next()
            key1 = generator.next()
        }
    }

    /// A hasher with the two 64-bit key halves given; for tests against published vectors.
    init(key0: UInt64, key1: UInt64) {
        self.key0 = key0
        self.key1 = key1
    }

    /// The 64 bits of `text`'s hash: SipHash-2-4 under this hasher's key.
    public func digest(_ text: String) -> UInt64 {
        SipHash24(key0: key0, key1: key1).hash(Array(text.utf8))
    }

    /// The hash of `text` as 11 characters of base64url (RFC 4648 §5, the 8 bytes most
    /// significant first, no padding), e.g. `oSnKYUm-ReU`.
    ///
    /// Not 16 hex digits, as before: with the `key:` prefix those made a 20-byte store key, which
    /// Swift keeps in a heap object, one per API key. Across 100,000 keys each request's retain of
    /// its key's object missed the cache (2.4 % of the keys benchmark's user time); 15 bytes or
    /// fewer are kept inside the string value itself.
    public func hash(_ text: String) -> String {
        let value = digest(text)
        return String(unsafeUninitializedCapacity: 11) { characters in
            // Ten characters of six bits each, then the last four bits with two zero bits after them.
            for index in 0..<10 {
                characters[index] = Self.alphabet[Int(truncatingIfNeeded: value >> UInt64(58 - 6 * index)) & 0x3F]
            }
            characters[10] = Self.alphabet[Int(truncatingIfNeeded: value << 2) & 0x3F]
            return 11
        }
    }

    /// The base64url alphabet: `A`–`Z`, `a`–`z`, `0`–`9`, `-`, `_`.
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
}

/// SipHash-2-4 (Aumasson and Bernstein, 2012): two rounds per 8-byte word, four to finish.
struct SipHash24 {
    var v0: UInt64, v1: UInt64, v2: UInt64, v3: UInt64

    init(key0: UInt64, key1: UInt64) {
        v0 = key0 ^ 0x736F_6D65_7073_6575
        v1 = key1 ^ 0x646F_7261_6E64_6F6D
        v2 = key0 ^ 0x6C79_6765_6E65_7261
        v3 = key1 ^ 0x7465_6462_7974_6573
    }

    mutating func round() {
        v0 = v0 &+ v1; v1 = v1.rotatedLeft(by: 13); v1 ^= v0; v0 = v0.rotatedLeft(by: 32)
        v2 = v2 &+ v3; v3 = v3.rotatedLeft(by: 16); v3 ^= v2
        v0 = v0 &+ v3; v3 = v3.rotatedLeft(by: 21); v3 ^= v0
        v2 = v2 &+ v1; v1 = v1.rotatedLeft(by: 17); v1 ^= v2; v2 = v2.rotatedLeft(by: 32)
    }

    mutating func compress(_ word: UInt64) {
        v3 ^= word
        round()
        round()
        v0 ^= word
    }

    func hash(_ bytes: [UInt8]) -> UInt64 {
        var state = self
        var index = 0
        while index + 8 <= bytes.count {
            var word: UInt64 = 0
            for offset in 0..<8 { word |= UInt64(bytes[index + offset]) << UInt64(8 * offset) }
            state.compress(word)
            index += 8
        }
        var last = UInt64(truncatingIfNeeded: bytes.count) << 56
        for offset in 0..<(bytes.count - index) { last |= UInt64(bytes[index + offset]) << UInt64(8 * offset) }
        state.compress(last)
        state.v2 ^= 0xFF
        for _ in 0..<4 { state.round() }
        return state.v0 ^ state.v1 ^ state.v2 ^ state.v3
    }
}

extension UInt64 {
    func rotatedLeft(by count: UInt64) -> UInt64 {
        self << count | self >> (64 - count)
    }
}
