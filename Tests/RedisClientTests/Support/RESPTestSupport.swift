@testable import RedisClient

/// The UTF-8 bytes of a fixture written with `\r\n`.
func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// Feeds `input` in pieces ending at each of `splits` (and at the end), collecting every reply.
func decodeAll(_ input: [UInt8], splitAt splits: [Int] = [], limits: RESPDecoderLimits = RESPDecoderLimits()) throws(RESPProtocolError) -> [RESPValue] {
    var decoder = RESPDecoder(limits: limits)
    var replies: [RESPValue] = []
    var start = 0
    for end in splits + [input.count] where end >= start {
        decoder.feed(input[start..<end])
        start = end
        while let reply = try decoder.next() { replies.append(reply) }
    }
    return replies
}

/// Feeds `input` one byte at a time, collecting every reply.
func decodeByteByByte(_ input: [UInt8], limits: RESPDecoderLimits = RESPDecoderLimits()) throws(RESPProtocolError) -> [RESPValue] {
    try decodeAll(input, splitAt: Array(input.indices.dropFirst()), limits: limits)
}

/// The error decoding `input` (fed whole) throws; nil when it decodes or needs more bytes.
func decodingError(_ input: [UInt8], limits: RESPDecoderLimits = RESPDecoderLimits()) -> RESPProtocolError? {
    do {
        _ = try decodeAll(input, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// A small deterministic generator (SplitMix64), so randomized tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
