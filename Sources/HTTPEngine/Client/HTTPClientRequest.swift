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
