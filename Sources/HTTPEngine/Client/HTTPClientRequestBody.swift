/// The body of an upstream request: bytes held in memory, or a stream read while sending.
public struct HTTPClientRequestBody: Sendable {
    enum Content: Sendable {
        case bytes([UInt8])
        case stream(length: Int?, makeChunks: @Sendable () -> ChunkSource)
    }

    let content: Content

    /// No body (no framing header is sent unless the method usually carries a body).
    public static let empty = HTTPClientRequestBody(content: .bytes([]))

    /// A body sent with `Content-Length`.
    public static func bytes(_ bytes: [UInt8]) -> HTTPClientRequestBody {
        HTTPClientRequestBody(content: .bytes(bytes))
    }

    /// A body read chunk by chunk while it is sent, e.g. a server's `HTTPRequestBody`;
    /// sent with `Content-Length` when `length` is given (a different byte count fails
    /// the request), else chunked. The sequence is iterated once, so it is never replayed.
    public static func stream<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks, length: Int? = nil) -> HTTPClientRequestBody
        where Chunks.Element == [UInt8]
    {
        HTTPClientRequestBody(content: .stream(length: length, makeChunks: { ChunkSource(chunks) }))
    }

    /// The declared length: the byte count, the stream's `length`, or nil (chunked).
    var length: Int? {
        switch content {
        case .bytes(let bytes): bytes.count
        case .stream(let length, _): length
        }
    }
}

/// A type-erased iterator over body chunks; used by one sending task only.
final class ChunkSource {
    private let nextChunk: () async throws -> [UInt8]?

    init<Chunks: AsyncSequence>(_ chunks: Chunks) where Chunks.Element == [UInt8] {
        var iterator = chunks.makeAsyncIterator()
        nextChunk = { try await iterator.next() }
    }

    func next() async throws -> [UInt8]? {
        try await nextChunk()
    }
}
