/// A request as handed to a handler: head, streamed body and connection addresses.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    /// The body as an async sequence of byte chunks, read with back-pressure.
    public var body: HTTPRequestBody
    /// The peer that opened the connection (the direct client, maybe a proxy).
    public let remoteAddress: SocketAddress
    /// The server address the connection arrived on.
    public let localAddress: SocketAddress
    /// The loop that owns the connection; start outbound work here to avoid thread hops.
    public let eventLoop: EventLoop?
    /// Facts shared by the layers of a middleware chain; nil unless a layer (usually
    /// `RequestContextMiddleware`) created one.
    public var context: HTTPRequestContext?
    /// Where errors answered 500 are reported: the server's `onHandlerError`; nil reports nothing.
    var errorReporter: (@Sendable (any Error, HTTPRequestHead) -> Void)?

    public init(head: HTTPRequestHead, body: HTTPRequestBody = .empty, remoteAddress: SocketAddress, localAddress: SocketAddress, eventLoop: EventLoop? = nil) {
        self.init(head: head, body: body, remoteAddress: remoteAddress, localAddress: localAddress, eventLoop: eventLoop, errorReporter: nil)
    }

    /// A request with its error reporter: the server's, made where it is handed on, so it is
    /// moved there rather than copied after a change.
    init(head: HTTPRequestHead, body: HTTPRequestBody, remoteAddress: SocketAddress, localAddress: SocketAddress, eventLoop: EventLoop?, errorReporter: (@Sendable (any Error, HTTPRequestHead) -> Void)?) {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
        self.localAddress = localAddress
        self.eventLoop = eventLoop
        self.errorReporter = errorReporter
    }

    public var method: HTTPMethod { head.method }
    public var version: HTTPVersion { head.version }
    public var headers: HTTPHeaders {
        get { head.headers }
        set { head.headers = newValue }
    }
    /// The request target as sent, e.g. `/items?id=3`.
    public var target: String { head.target }
    /// The target without its query.
    public var path: String { head.path }
    public var query: String? { head.query }
}
