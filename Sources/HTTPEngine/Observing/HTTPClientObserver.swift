/// Hears what the upstream client does — connects, failed connects, waits for a pooled
/// connection — for metrics and logs. Every method has an empty default; set one on
/// `HTTPClientConfiguration.observer`.
///
/// Calls come on the loop thread that owns the connection: keep them short and never block.
public protocol HTTPClientObserver: Sendable {
    /// A connection to `upstream` (`host:port`) was established.
    func upstreamConnected(_ upstream: String)
    /// A connect to `upstream` failed with `error`.
    func upstreamConnectFailed(_ upstream: String, error: HTTPEngineError)
    /// A request had to wait for a connection to `upstream` (the pool was at its cap) and got
    /// one, or gave up, after `duration`.
    func poolWaitEnded(_ upstream: String, duration: Duration)
}

extension HTTPClientObserver {
    public func upstreamConnected(_ upstream: String) {}
    public func upstreamConnectFailed(_ upstream: String, error: HTTPEngineError) {}
    public func poolWaitEnded(_ upstream: String, duration: Duration) {}
}
