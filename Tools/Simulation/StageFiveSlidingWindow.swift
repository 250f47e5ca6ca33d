import V5ProductionLimiter

/// Stage 5's sliding-window counter, unchanged: one key of an `InMemoryStore`, asked at simulated instants.
///
/// The limit is "capacity per W" with W = capacity / rate, the fixed window's length, so all
/// four algorithms share the long-run rate and the burst. Stage 5's windows start at the key's
/// first admitted request, not at time zero, so they need not line up with the fixed window's.
///
/// The counter's state is internal to stage 5, so the allowance is read through the store's
/// public answer: a probe costing the whole capacity. While anything is counted (at least one
/// unit in the current or previous window) that probe is always refused, and a refusal charges
/// nothing and reports `remaining = capacity − estimate`. Once the last admission's `resetAfter`
/// has passed nothing is counted, the estimate is zero, and the probe is not sent (it would be
/// admitted and charged). The rejected alternative, copying the counter's arithmetic here,
/// would draw the copy instead of the stage.
public struct StageFiveSlidingWindow: RateLimitAlgorithm {
    public static let name = "v5-sliding-window"
    public static let summary = "stage 5's sliding-window counter: capacity per W, the previous window weighted"

    /// One store per key; copies of this value share it, which is safe because the simulator
    /// keeps one value per key and reads the charted copy only after the key's latest decision.
    private let store: InMemoryStore<V5ProductionLimiter.ManualClock>
    private let limit: RateLimit
    /// When the counts last admitted are all forgotten (the latest admission plus its
    /// `resetAfter`); nil before the first admission.
    private var emptyFrom: Duration?

    static let key = "simulated"

    /// A store with an empty window at time zero.
    public init(limit: SimulationLimit) throws(SimulationError) {
        do {
            self.limit = try RateLimit(name: "simulated", limit.capacity, per: limit.window, algorithm: .slidingWindow)
        } catch {
            throw SimulationError("\(Self.name): \(error)")
        }
        // The smallest table: one key lives in it, so nothing is ever evicted.
        store = InMemoryStore(maximumKeyCount: 8, clock: V5ProductionLimiter.ManualClock())
    }

    public mutating func decide(cost: Int, at time: Duration) -> SimulatedDecision {
        // Costs are checked against the capacity when the trace is read, so this cannot throw.
        guard let request = try? RateLimitRequest(key: Self.key, limits: [limit], cost: cost) else {
            return SimulatedDecision(isAllowed: false)
        }
        let decision = store.decide(request, at: Self.instant(time))
        guard decision.isAllowed else { return SimulatedDecision(isAllowed: false, retryAfter: decision.retryAfter) }
        emptyFrom = time + decision.resetAfter
        return SimulatedDecision(isAllowed: true)
    }

    public func allowance(at time: Duration) -> Double {
        guard let emptyFrom, time < emptyFrom else { return Double(limit.capacity) }
        guard let probe = try? RateLimitRequest(key: Self.key, limits: [limit], cost: limit.capacity) else {
            return Double(limit.capacity)
        }
        let decision = store.decide(probe, at: Self.instant(time))
        precondition(!decision.isAllowed, "a whole-capacity probe was admitted while units were counted: the store was charged")
        return Double(decision.remaining)
    }

    private static func instant(_ time: Duration) -> V5ProductionLimiter.MonotonicInstant {
        V5ProductionLimiter.MonotonicInstant(nanoseconds: time.nanosecondCount)
    }
}
