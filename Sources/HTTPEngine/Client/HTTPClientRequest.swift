/// A request to send upstream: where to connect, the request line, header fields and body.
///
/// The client writes `Content-Length` or `Transfer-Encoding: chunked` itself (copies
/// in `headers` are dropped) and adds `Host` when it is missing.
public struct HTTPClientRequest: Sendable {
    /// Host to connect to: a numeric IP, `localhost`, or a name (looked up off the loop, answers cached).
    public var host: String
    public var port: UInt16
    public var method: HTTPMethod
    /// The request target in origin form, e.g. `/items?id=3`.
    public var target: String
    public var headers: HTTPHeaders
    public var body: HTTPClientRequestBody
    /// Longest time from `execute` to the response head: the wait for a pooled or new
    /// connection, the connect, sending the request and the upstream's answer. Past it,
    /// `execute` throws `.requestTimeout` and the connection is closed. Reading the
    /// response body is not covered (`responseTimeout` bounds each wait for it). nil: no limit.
    public var timeout: Duration? {
        didSet { Self.checkTimeout(timeout) }
    }

    public init(
        method: HTTPMethod = .get,
        host: String,
        port: UInt16,
        target: String = "/",
        headers: HTTPHeaders = HTTPHeaders(),
        body: HTTPClientRequestBody = .empty,
        timeout: Duration? = nil
    ) {
        Self.checkTimeout(timeout)
        self.method = method
        self.host = host
        self.port = port
        self.target = target
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// Stops the process on a zero or negative time-out, which could never be met.
    static func checkTimeout(_ timeout: Duration?) {
        precondition(timeout.map { $0 > .zero } ?? true, "a request time-out must be positive")
    }

    /// Whether the request may be sent again after a pooled connection turned out dead:
    /// an idempotent method and a body the client still holds in full.
    var isReplayable: Bool {
        guard method.isIdempotent else { return false }
        if case .stream = body.content { return false }
        return true
    }
}
