/// A response: status, headers and a body that is either bytes or written as a stream.
///
/// The server adds `Content-Length` or `Transfer-Encoding: chunked` and `Connection`
/// itself; such fields set here are replaced.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: HTTPResponseBody

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: HTTPResponseBody = .empty) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A short plain-text response, used for errors the server produces itself.
    public static func text(_ status: HTTPStatus, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]), body: .init(string: text))
    }
}

/// A response body: a byte array sent with `Content-Length`, or a stream producer.
public struct HTTPResponseBody: Sendable {
    enum Content: Sendable {
        case bytes([UInt8])
        case stream(length: Int?, @Sendable (ResponseBodyWriter) async throws -> Void)
    }

    let content: Content

    public static let empty = HTTPResponseBody(bytes: [])

    public init(bytes: [UInt8]) {
        content = .bytes(bytes)
    }

    public init(string: String) {
        content = .bytes(Array(string.utf8))
    }

    /// A body written by `produce`; sent with `Content-Length` when `contentLength`
    /// is given (writing a different amount closes the connection), else chunked.
    public static func stream(contentLength: Int? = nil, _ produce: @escaping @Sendable (ResponseBodyWriter) async throws -> Void) -> HTTPResponseBody {
        HTTPResponseBody(content: .stream(length: contentLength, produce))
    }

    init(content: Content) {
        self.content = content
    }
}
