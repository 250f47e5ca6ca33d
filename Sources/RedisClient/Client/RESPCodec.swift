import HTTPEngine

/// RESP2 for the engine's pipelined connection core: commands out, replies in, in order.
///
/// All that is Redis-specific about a connection is here; the socket, batching, time-outs and
/// reconnects are the engine's `PipelinedClient`, which the HTTP side shares.
struct RESPCodec: PipelineCodec {
    var decoder: RESPDecoder

    init(limits: RESPDecoderLimits) {
        decoder = RESPDecoder(limits: limits)
    }

    static func encode(_ request: RedisCommand, into buffer: inout [UInt8]) {
        request.encode(into: &buffer)
    }

    mutating func receive(_ bytes: UnsafeRawBufferPointer) {
        decoder.feed(bytes)
    }

    mutating func nextReply() throws -> RESPValue? {
        try decoder.next()
    }
}
