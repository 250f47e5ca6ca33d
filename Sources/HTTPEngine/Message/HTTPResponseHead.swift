/// The status line and header fields of one response.
public struct HTTPResponseHead: Sendable {
    public var version: HTTPVersion
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    /// How the response body is delimited (set by the parser; ignored when sending).
    public var bodyFraming: HTTPBodyFraming

    public init(version: HTTPVersion = .http1_1, status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), bodyFraming: HTTPBodyFraming = .none) {
        self.version = version
        self.status = status
        self.headers = headers
        self.bodyFraming = bodyFraming
    }

    /// Whether the server will keep the connection open after this response.
    public var isKeepAlive: Bool {
        if headers.containsToken("close", inField: "connection") { return false }
        if version == .http1_1 { return bodyFraming != .untilClose }
        return headers.containsToken("keep-alive", inField: "connection") && bodyFraming != .untilClose
    }
}
