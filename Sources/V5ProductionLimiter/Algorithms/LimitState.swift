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
        let state = rebased(for: limit, at: now) ?? self
        switch limit.algorithm {
        case .tokenBucket:
            let (decision, arrival) = TokenBucket.decide(cost: cost, arrival: state.first, at: now, limit: limit.bucket)
            return (StoreDecision(decision, limit: limit), arrival.map { LimitState(first: $0) })
        case .slidingWindow:
            let window = SlidingWindowCounter(state: state, limit: limit, at: now)
            return window.decide(cost: cost, limit: limit)
        }
    }

    /// This state taken back to `now` if the clock has stepped back behind it by more than
    /// `rebaseThresholdNanoseconds`; nil if it has not.
    ///
    /// Spending never puts a bucket's TAT more than its full span (capacity × T) past now, nor a
    /// window's start after now; a state that is so was written before the clock stepped back
    /// (Redis's `TIME` is a wall clock, which an NTP step or a VM's resume moves). Rebased, the
    /// bucket is empty as of now (the most a bucket can owe) and the window starts now with its
    /// counts (its previous window weighing in full again): both stricter than where the state
    /// stood in real time, then moving on with the clock. Held where it was, a state refused
    /// every request for the whole step, an hour for an hour's step, for every key used in the
    /// last window, and a sliding window named a retry-after counted from a start the clock had
    /// not reached, a wait that ended in another refusal. A store writes the rebased state even
    /// on a refusal (otherwise the next decision rebases from a later now, and the key waits
    /// for ever).
    func rebased(for limit: RateLimit, at now: Int64) -> LimitState? {
        switch limit.algorithm {
        case .tokenBucket:
            let latest = now.saturatingAdding(limit.bucket.capacityNanoseconds)
            return first > latest.saturatingAdding(Self.rebaseThresholdNanoseconds) ? LimitState(first: latest) : nil
        case .slidingWindow:
            return first > now.saturatingAdding(Self.rebaseThresholdNanoseconds) ? LimitState(first: now, second: second, third: third) : nil
        }
    }

    /// How far the clock must have stepped back behind a state before it is rebased: 1 s.
    ///
    /// Smaller steps are held where they are, stricter by the step. They happen all the time in
    /// memory, where each loop decides at its own turn's start and a loop behind another by part
    /// of a turn meets states the other wrote. Rebasing those refunded the lag on every such
    /// refusal, and alternating loops added the refunds up: `TurnTimeBoundTests` saw up to 145
    /// admissions past its bound. A second is far beyond a turn, and far below the steps that
    /// matter (an NTP step, a VM's resume).
    static let rebaseThresholdNanoseconds: Int64 = 1_000_000_000

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
