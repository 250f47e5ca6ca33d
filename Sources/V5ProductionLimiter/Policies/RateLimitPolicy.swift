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

/// Extra limits and a cost for requests whose path starts with `pathPrefix`.
public struct RoutePolicy: Hashable, Sendable {
    /// The path prefix; the longest matching prefix wins.
    public let pathPrefix: String
    /// Limits added to the client's own, counted per client for this route; nil adds none.
    public let policy: RateLimitPolicy?
    /// Units a request on this route spends from every limit (expensive endpoints cost more).
    public let cost: Int

    public init(pathPrefix: String, policy: RateLimitPolicy?, cost: Int = 1) {
        self.pathPrefix = pathPrefix
        self.policy = policy
        self.cost = cost
    }
}
