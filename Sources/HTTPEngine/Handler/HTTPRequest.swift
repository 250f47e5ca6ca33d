/// A request as handed to a handler: head, streamed body and connection addresses.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    /// The body as an async sequence of byte chunks, read with back-pressure.
    public var body: HTTPRequestBody
    /// Facts shared by the layers of a middleware chain; nil unless a layer (usually
    /// `RequestContextMiddleware`) created one.
    public var context: HTTPRequestContext?
    /// The connection's addresses, loop and error reporter, shared by its requests.
    let origin: RequestOrigin

    public init(head: HTTPRequestHead, body: HTTPRequestBody = .empty, remoteAddress: SocketAddress, localAddress: SocketAddress, eventLoop: EventLoop? = nil) {
        self.init(head: head, body: body, origin: RequestOrigin(remoteAddress: remoteAddress, localAddress: localAddress, eventLoop: eventLoop, errorReporter: nil))
    }

    /// A request from the connection `origin` describes.
    init(head: HTTPRequestHead, body: HTTPRequestBody, origin: RequestOrigin) {
        self.head = head
        self.body = body
        self.origin = origin
    }

    /// The peer that opened the connection (the direct client, maybe a proxy).
    public var remoteAddress: SocketAddress { origin.remoteAddress }
    /// The server address the connection arrived on.
    public var localAddress: SocketAddress { origin.localAddress }
    /// The loop that owns the connection; start outbound work here to avoid thread hops.
    public var eventLoop: EventLoop? { origin.eventLoop }
    /// Where errors answered 500 are reported: the server's `onHandlerError`; nil reports nothing.
    var errorReporter: (@Sendable (any Error, HTTPRequestHead) -> Void)? { origin.errorReporter }

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
