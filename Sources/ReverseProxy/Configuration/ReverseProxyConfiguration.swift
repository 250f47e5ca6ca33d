/// Everything a `ReverseProxyHandler` needs besides its HTTP client: routes to pools,
/// field rewriting, and how long to wait for a backend's answer.
public struct ReverseProxyConfiguration: Sendable {
    public var routes: [Route]
    public var forwarding: ForwardingOptions
    /// Longest time from forwarding a request to the backend's response head (pool wait,
    /// connect, sending, the backend's thinking); past it the client gets 504. 60 s by
    /// default, nginx's `proxy_read_timeout`.
    ///
    /// The client's `connectTimeout` (pool wait, connect) and `responseTimeout` (each silence
    /// until the head and while the body streams) apply as well; nil leaves only those. The
    /// limit rides on timers the client keeps anyway (the connection's deadline timer, the
    /// pool queue's), so it costs no allocation per request; it used to cost a task group
    /// (19 of 70 heap allocations per proxied request) and was off by default then.
    public var upstreamTimeout: Duration?

    public init(routes: [Route], forwarding: ForwardingOptions = ForwardingOptions(), upstreamTimeout: Duration? = .seconds(60)) {
        self.routes = routes
        self.forwarding = forwarding
        self.upstreamTimeout = upstreamTimeout
    }

    /// The distinct pools the routes use, in the order they first appear.
    public var pools: [BackendPool] {
        var seen: Set<ObjectIdentifier> = []
        return routes.map(\.pool).filter { seen.insert(ObjectIdentifier($0)).inserted }
    }

    func validate() throws(ReverseProxyConfigurationError) {
        guard !routes.isEmpty else { throw .invalidField("routes", "at least one route is needed") }
        try forwarding.validate()
        if let upstreamTimeout, upstreamTimeout <= .zero {
            throw .invalidField("upstream timeout", "\(upstreamTimeout) must be positive")
        }
    }
}
