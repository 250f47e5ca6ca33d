import ReverseProxy

/// A named set of limits applied together, optionally in shadow mode: what an operator
/// configures per API-key tier, per route, and for anonymous clients.
public struct RateLimitPolicy: Hashable, Sendable {
    /// The name logs, metrics and the explain endpoint show, e.g. `tier:premium`, `route:/search`.
    public let name: String
    /// Every limit of the policy; a request must fit all of them.
    public let limits: [RateLimit]
    /// Whether decisions are only counted and logged: a shadow policy never refuses, so a new
    /// limit can be watched against real traffic before it is enforced.
    public let isShadow: Bool

    public init(name: String, limits: [RateLimit], isShadow: Bool = false) {
        self.name = name
        self.limits = limits
        self.isShadow = isShadow
    }
}

/// Extra limits and a cost for requests under `pathPrefix` (on `host`, if set).
///
/// Matched by the proxy's own rule for its routes, so the limits of a configured route hold
/// exactly the requests that route forwards. A byte prefix, the rejected alternative, charged
/// `/searchable` for `/search`'s limits while the proxy sent it to the catch-all route, and a
/// route for one host charged every host.
public struct RoutePolicy: Hashable, Sendable {
    /// The path prefix, matched by whole segments: `/search` holds `/search` and `/search/books`,
    /// not `/searchable`; a prefix ending in `/` holds every path that starts with it. The longest
    /// matching prefix wins.
    public let pathPrefix: String
    /// The host name the route is for, compared ignoring ASCII case with the `Host` field's
    /// (its port left out); nil: every host.
    public let host: String?
    /// Limits added to the client's own, counted per client for this route; nil adds none.
    public let policy: RateLimitPolicy?
    /// Units a request on this route spends from every limit (expensive endpoints cost more).
    public let cost: Int

    public init(pathPrefix: String, host: String? = nil, policy: RateLimitPolicy?, cost: Int = 1) {
        self.pathPrefix = pathPrefix
        self.host = host
        self.policy = policy
        self.cost = cost
    }

    /// Whether a request for `path` whose `Host` names `hostName` (`Route.hostName(ofHostField:)`;
    /// nil without the field) falls under this route: the reverse proxy's own rule
    /// (`Route.holds(pathPrefix:host:path:hostName:)`).
    public func matches(path: String, hostName: Substring?) -> Bool {
        Route.holds(pathPrefix: pathPrefix, host: host, path: path, hostName: hostName)
    }
}
