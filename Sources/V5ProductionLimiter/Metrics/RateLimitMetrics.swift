/// Where the limiter reports what it does; the backend half of the swift-metrics shape.
///
/// Injected through initialisers (`InMemoryStore`, `GuardedStore`), never a global, so two
/// limiters in one process (or two tests running at once) never mix their numbers. Every
/// method is called on the request path and must not block: `PrometheusMetrics` costs one
/// atomic add per call; `NoOpRateLimitMetrics` costs nothing.
public protocol RateLimitMetrics: Sendable {
    /// A request was decided: `outcome` is what the client gets, `path` who decided it.
    func decisionMade(outcome: DecisionOutcome, path: DecisionPath)
    /// The store failed (or was skipped because the breaker is open).
    func storeFailed(_ error: RateLimitStoreError)
    /// The store answered (or failed) after `latency`.
    func storeAnswered(after latency: Duration)
    /// The circuit breaker moved to `state`.
    func breakerChanged(to state: CircuitBreaker.State)
    /// Keys held in memory changed by `delta`.
    func liveKeysChanged(by delta: Int)
    /// A key was evicted to make room; `hadState` when its limits were not yet full again.
    func keyEvicted(hadState: Bool)
    /// The store's clock and this host's monotonic clock disagreed by `drift` about the time
    /// passed since they were last compared, beyond the store's threshold (clock trouble on a host).
    func clockDriftExceeded(_ drift: Duration)
}

extension RateLimitMetrics {
    /// Ignored unless a backend reports it: only a store with its own clock (Redis) has drift.
    public func clockDriftExceeded(_ drift: Duration) {}
}

/// What a client was told.
public enum DecisionOutcome: String, Sendable, CaseIterable {
    /// Admitted.
    case allowed
    /// Refused by a limit: 429.
    case limited
    /// Refused because no limit could be consulted (fail-closed): 503.
    case unavailable
}

/// Who decided.
public enum DecisionPath: String, Sendable, CaseIterable {
    /// The store.
    case store
    /// The local fallback limiter, while the store was failing.
    case fallback
    /// Nobody: admitted because the store failed and the policy is fail-open.
    case failOpen = "fail_open"
    /// Nobody: refused because the store failed and the policy is fail-closed.
    case failClosed = "fail_closed"
}

/// Metrics that go nowhere: the default, so a limiter without metrics pays nothing for them.
public struct NoOpRateLimitMetrics: RateLimitMetrics {
    public init() {}
    public func decisionMade(outcome: DecisionOutcome, path: DecisionPath) {}
    public func storeFailed(_ error: RateLimitStoreError) {}
    public func storeAnswered(after latency: Duration) {}
    public func breakerChanged(to state: CircuitBreaker.State) {}
    public func liveKeysChanged(by delta: Int) {}
    public func keyEvicted(hadState: Bool) {}
}
