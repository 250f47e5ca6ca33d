import Testing
@testable import RedisClient

/// The script digest against FIPS 180-4's published examples and padding edge cases.
@Suite struct SHA1Tests {
    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ])
    func digestMatchesPublishedVectors(message: String, digest: String) {
        #expect(SHA1.hexDigest(of: message.utf8) == digest)
    }

    @Test func millionAsMatchTheStandardsLongMessage() {
        #expect(SHA1.hexDigest(of: repeatElement(UInt8(ascii: "a"), count: 1_000_000)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }
}
