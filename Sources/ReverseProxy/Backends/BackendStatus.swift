/// What admin endpoints and metrics read about one backend: a snapshot, not a live view.
public struct BackendStatus: Sendable, Equatable {
    public var backend: Backend
    /// Whether the pool sends it requests (an unhealthy backend without active checks
    /// still gets one trial request after the pool's passive failure time-out).
    public var isHealthy: Bool
    /// Active checks failed in a row (reset by a passed check).
    public var consecutiveCheckFailures: Int
    /// Active checks passed in a row (reset by a failed check or a passive failure).
    public var consecutiveCheckSuccesses: Int
    /// The latest failure seen, by a check or a proxied request, e.g. `connection to 127.0.0.1:9 refused`.
    public var lastFailure: String?
    /// Clock time (`ProxyClock.now`) of the last change of `isHealthy`; nil if it never changed.
    public var changedAt: Duration?
    /// How many times `isHealthy` changed.
    public var transitionCount: Int
}

/// A pool's backends with their health, in configuration order.
public struct PoolStatus: Sendable, Equatable {
    public var name: String
    public var backends: [BackendStatus]

    public var healthyCount: Int { backends.count { $0.isHealthy } }
}
