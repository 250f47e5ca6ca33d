/// What a store keeps for one limit of one key, whichever algorithm counts it.
///
/// Three 64-bit numbers whose meaning depends on the algorithm, so every limit fits the same
/// slot:
/// - token bucket: `first` is GCRA's theoretical arrival time (the others are unused);
/// - sliding window: `first` is the current window's start, `second` its count, `third` the
///   previous window's count.
///
/// Times are nanoseconds on the store's clock. The algorithms are pure functions of (state,
/// now, cost): the in-memory store runs them under a lock, and the Redis script runs the same
/// arithmetic on the server, which is what makes the two stores give the same decisions.
struct LimitState: Hashable, Sendable {
    var first: Int64
    var second: Int64 = 0
    var third: Int64 = 0

    /// The state of a limit never used (or forgotten): a full bucket, an empty window starting now.
    static func fresh(at now: Int64) -> LimitState {
        LimitState(first: now)
    }

    /// One decision on this limit: the answer, and the state to store if the request is admitted
    /// by *every* limit (the caller decides that; nil when this limit refuses).
    func decide(cost: Int, limit: RateLimit, at now: Int64) -> (StoreDecision, charged: LimitState?) {
        switch limit.algorithm {
        case .tokenBucket:
            let (decision, arrival) = TokenBucket.decide(cost: cost, arrival: first, at: now, limit: limit.bucket)
            return (StoreDecision(decision, limit: limit), arrival.map { LimitState(first: $0) })
        case .slidingWindow:
            let window = SlidingWindowCounter(state: self, limit: limit, at: now)
            return window.decide(cost: cost, limit: limit)
        }
    }

    /// The instant from which this state is indistinguishable from `fresh`: forgetting the key
    /// then changes no decision. Eviction prefers the earliest.
    func forgettableAt(limit: RateLimit) -> Int64 {
        switch limit.algorithm {
        case .tokenBucket:
            return first
        case .slidingWindow:
            let window = limit.windowNanoseconds
            if second > 0 { return first.saturatingAdding(window).saturatingAdding(window) }
            return third > 0 ? first.saturatingAdding(window) : first
        }
    }
}
