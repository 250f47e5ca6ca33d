// libFuzzer entry for RESPDecoder, compiled together with Sources/RedisClient/RESP only
// (no Foundation, no address parsing), so the fuzzer exercises exactly the codec.
import Glibc

/// Small limits, so inputs of a few hundred bytes reach every bound.
let fuzzLimits = RESPDecoderLimits(maxBulkLength: 256, maxArrayLength: 64, maxNestingDepth: 8, maxLineLength: 128, maxReplyBytes: 2048)

/// Every reply in `bytes`, fed in pieces whose sizes come from `seed` (whole when nil), or the error that ended decoding.
func decodeInPieces(_ bytes: [UInt8], seed: UInt64?) -> Result<[RESPValue], RESPProtocolError> {
    var decoder = RESPDecoder(limits: fuzzLimits)
    var replies: [RESPValue] = []
    var state = (seed ?? 0) | 1
    var offset = 0
    return Result { () throws(RESPProtocolError) in
        while offset < bytes.count {
            // xorshift: a different, repeatable split pattern for each control byte.
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let end = seed == nil ? bytes.count : min(bytes.count, offset + 1 + Int(state % 17))
            decoder.feed(bytes[offset..<end])
            offset = end
            while let reply = try decoder.next() { replies.append(reply) }
            precondition(decoder.bufferedByteCount <= bytes.count, "decoder holds more than it was given")
        }
        return replies
    }
}

/// Every reply with the exact bytes it was decoded from, from the whole input fed at once.
func decodeWithSpans(_ bytes: [UInt8]) -> [(value: RESPValue, span: ArraySlice<UInt8>)] {
    var decoder = RESPDecoder(limits: fuzzLimits)
    decoder.feed(bytes)
    var decoded: [(RESPValue, ArraySlice<UInt8>)] = []
    while true {
        let start = bytes.count - decoder.bufferedByteCount
        guard let value = try? decoder.next() else { return decoded }
        decoded.append((value, bytes[start..<(bytes.count - decoder.bufferedByteCount)]))
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESPDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let seed = UInt64(data[0])
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let whole = decodeInPieces(bytes, seed: nil)
    let pieces = decodeInPieces(bytes, seed: seed)
    // Splitting input differently must never change the replies or the error.
    if whole != pieces {
        fputs("split input changed the result (seed \(seed)):\n  whole:  \(whole)\n  pieces: \(pieces)\n", stderr)
        fatalError("split input changed the result")
    }
    for (value, span) in decodeWithSpans(bytes) {
        // A command (an array of bulk strings) must re-encode to exactly the bytes it came from,
        // lengths being accepted in one spelling only, and decode back to itself.
        guard let elements = value.elements else { continue }
        let arguments = elements.compactMap(\.bytes)
        guard arguments.count == elements.count else { continue }
        var encoded: [UInt8] = []
        RESPEncoder.encodeCommand(arguments, into: &encoded)
        guard encoded.elementsEqual(span) else { fatalError("re-encoded command differs from its input bytes") }
        var decoder = RESPDecoder(limits: fuzzLimits)
        decoder.feed(encoded)
        guard (try? decoder.next()) == value, decoder.isAtReplyBoundary else { fatalError("re-encoded command decodes differently") }
    }
    return 0
}
