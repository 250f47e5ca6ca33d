/// Hears what a server does — connections opened and closed, requests answered — for metrics
/// and access logs. Every method has an empty default; set one on
/// `HTTPServerConfiguration.observer`.
///
/// Calls come on the connection's loop thread, in the middle of its work: keep them short (bump
/// an atomic counter, append to a buffer) and never block. When no observer is set, the engine
/// checks one optional and calls nothing (the swift-metrics shape: a no-op by default).
public protocol HTTPServerObserver: Sendable {
    /// A connection was accepted from `remoteAddress`.
    func connectionOpened(from remoteAddress: SocketAddress)
    /// A connection closed, for whatever reason.
    func connectionClosed()
    /// A connection from `remoteAddress` found the server at `maxConnections`: it was answered
    /// 503 and closed, and neither opened nor closed is reported for it.
    func connectionRefused(from remoteAddress: SocketAddress)
    /// A response to `head` was handed to the connection, `duration` after the request was
    /// handed to the handler; `status` is what the client gets.
    func requestFinished(_ head: HTTPRequestHead, status: HTTPStatus, duration: Duration)
}

extension HTTPServerObserver {
    public func connectionOpened(from remoteAddress: SocketAddress) {}
    public func connectionClosed() {}
    public func connectionRefused(from remoteAddress: SocketAddress) {}
    public func requestFinished(_ head: HTTPRequestHead, status: HTTPStatus, duration: Duration) {}
}
