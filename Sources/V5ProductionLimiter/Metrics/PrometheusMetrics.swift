import Synchronization

/// `RateLimitMetrics` kept in atomic counters and written in Prometheus's text exposition
/// format (version 0.0.4), for a `/metrics` endpoint.
///
/// Every family lists all its label values from the start, at zero: a series that appears only
/// after the first failure makes "rate of store errors" undefined until then, and alerts on it
/// silently never fire. Fallback decisions are `ratelimit_decisions_total{path="fallback"}`.
public final class PrometheusMetrics: RateLimitMetrics {
    private static let outcomes = DecisionOutcome.allCases
    private static let paths = DecisionPath.allCases
    private static let states = CircuitBreaker.State.allCases

    private let decisions = AtomicCounters(count: outcomes.count * paths.count)
    private let storeErrors = AtomicCounters(count: RateLimitStoreError.allKinds.count)
    private let breakerTransitions = AtomicCounters(count: states.count)
    private let breakerState = Atomic<Int>(0)
    private let liveKeys = Atomic<Int>(0)
    /// Index 0: keys evicted whose limits were full again; 1: keys evicted with state.
    private let evictions = AtomicCounters(count: 2)
    private let storeLatency = LatencyHistogram()
    private let clockDriftWarnings = Atomic<Int>(0)
    /// The last drift reported, in microseconds (signed: the store's clock ahead is positive).
    private let lastClockDrift = Atomic<Int>(0)

    /// Metrics at zero, the breaker closed.
    public init() {}

    public func decisionMade(outcome: DecisionOutcome, path: DecisionPath) {
        decisions.add(1, at: Self.index(outcome, path))
    }

    public func storeFailed(_ error: RateLimitStoreError) {
        storeErrors.add(1, at: RateLimitStoreError.allKinds.firstIndex(of: error.kind)!)
    }

    public func storeAnswered(after latency: Duration) {
        storeLatency.observe(latency)
    }

    public func breakerChanged(to state: CircuitBreaker.State) {
        let index = Self.states.firstIndex(of: state)!
        breakerState.store(index, ordering: .relaxed)
        breakerTransitions.add(1, at: index)
    }

    public func liveKeysChanged(by delta: Int) {
        liveKeys.add(delta, ordering: .relaxed)
    }

    public func keyEvicted(hadState: Bool) {
        evictions.add(1, at: hadState ? 1 : 0)
    }

    public func clockDriftExceeded(_ drift: Duration) {
        clockDriftWarnings.add(1, ordering: .relaxed)
        let (seconds, attoseconds) = drift.components
        lastClockDrift.store(Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000), ordering: .relaxed)
    }

    /// Decisions counted with `outcome` and `path` so far.
    public func decisionCount(outcome: DecisionOutcome, path: DecisionPath) -> Int {
        decisions.value(at: Self.index(outcome, path))
    }

    /// Store errors of `kind` (see `RateLimitStoreError.kind`) so far.
    public func storeErrorCount(kind: String) -> Int {
        RateLimitStoreError.allKinds.firstIndex(of: kind).map(storeErrors.value(at:)) ?? 0
    }

    /// Every family in the text exposition format, ending with a newline.
    public func render() -> String {
        var exposition = PrometheusExposition()
        exposition.family("ratelimit_decisions_total", "counter", "Requests decided, by what the client was told (outcome) and who decided (path).",
               Self.outcomes.flatMap { outcome in
                   Self.paths.map { path in
                       "ratelimit_decisions_total{outcome=\"\(outcome.rawValue)\",path=\"\(path.rawValue)\"} \(decisionCount(outcome: outcome, path: path))"
                   }
               })
        exposition.family("ratelimit_store_errors_total", "counter", "Store calls that gave no decision, by kind; circuit_open counts calls the breaker skipped.",
               RateLimitStoreError.allKinds.map { "ratelimit_store_errors_total{kind=\"\($0)\"} \(storeErrorCount(kind: $0))" })
        exposition.family("ratelimit_store_latency_seconds", "histogram", "Time from asking the store to its answer, error or time-out.",
               storeLatency.samples(named: "ratelimit_store_latency_seconds"))
        let current = breakerState.load(ordering: .relaxed)
        exposition.family("ratelimit_breaker_state", "gauge", "1 for the circuit breaker's current state, 0 for the others.",
               Self.states.enumerated().map { "ratelimit_breaker_state{state=\"\($1.rawValue)\"} \($0 == current ? 1 : 0)" })
        exposition.family("ratelimit_breaker_transitions_total", "counter", "Times the circuit breaker entered each state.",
               Self.states.enumerated().map { "ratelimit_breaker_transitions_total{state=\"\($1.rawValue)\"} \(breakerTransitions.value(at: $0))" })
        exposition.family("ratelimit_live_keys", "gauge", "Keys held by in-memory stores reporting here.",
               ["ratelimit_live_keys \(liveKeys.load(ordering: .relaxed))"])
        exposition.family("ratelimit_key_evictions_total", "counter", "Keys evicted to make room; had_state=true when their limits were not yet full again.",
               ["ratelimit_key_evictions_total{had_state=\"false\"} \(evictions.value(at: 0))",
                "ratelimit_key_evictions_total{had_state=\"true\"} \(evictions.value(at: 1))"])
        exposition.family("ratelimit_store_clock_drift_warnings_total", "counter", "Times the store's clock and this host's disagreed about elapsed time beyond the threshold.",
               ["ratelimit_store_clock_drift_warnings_total \(clockDriftWarnings.load(ordering: .relaxed))"])
        exposition.family("ratelimit_store_clock_drift_seconds", "gauge", "The last drift beyond the threshold: the store's elapsed time minus this host's (0 until one happens).",
               ["ratelimit_store_clock_drift_seconds \(Double(lastClockDrift.load(ordering: .relaxed)) / 1_000_000)"])
        return exposition.text
    }

    private static func index(_ outcome: DecisionOutcome, _ path: DecisionPath) -> Int {
        outcomes.firstIndex(of: outcome)! * paths.count + paths.firstIndex(of: path)!
    }
}
