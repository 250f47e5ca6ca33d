/// A request to send upstream: where to connect, the request line, header fields and body.
///
/// The client writes `Content-Length` or `Transfer-Encoding: chunked` itself (copies
/// in `headers` are dropped) and adds `Host` when it is missing.
public struct HTTPClientRequest: Sendable {
    /// Host to connect to: a numeric IP, `localhost`, or a name resolved once per pool.
    public var host: String
    public var port: UInt16
    public var method: HTTPMethod
    /// The request target in origin form, e.g. `/items?id=3`.
    public var target: String
    public var headers: HTTPHeaders
    public var body: HTTPClientRequestBody

    public init(
        method: HTTPMethod = .get,
        host: String,
        port: UInt16,
        target: String = "/",
        headers: HTTPHeaders = HTTPHeaders(),
        body: HTTPClientRequestBody = .empty
    ) {
        self.method = method
        self.host = host
        self.port = port
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// Whether the request may be sent again after a pooled connection turned out dead:
    /// an idempotent method and a body the client still holds in full.
    var isReplayable: Bool {
        guard Self.idempotentMethods.contains(method) else { return false }
        if case .stream = body.content { return false }
        return true
    }

    static let idempotentMethods: Set<HTTPMethod> = [.get, .head, .options, .put, .delete, .trace]
}

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
