/// What a store would answer for a request now, read without spending anything: the live state
/// `/explain` shows an operator.
///
/// Per limit rather than one combined decision, because the question is usually "which limit
/// holds this client, and for how long"; `isAdmitted` and `retryAfter` combine them the way
/// `StoreDecision.combining` does, so they say what `decide` would answer at the same instant.
public struct StoreInspection: Hashable, Sendable {
    /// One limit's state for the inspected key.
    public struct Limit: Hashable, Sendable {
        /// The limit inspected.
        public let limit: RateLimit
        /// Whole units available now, before the request's cost; the capacity for an unseen key.
        public let remaining: Int
        /// Whether this limit alone would admit the request's cost now.
        public let isAdmitted: Bool
        let retryAfterNanoseconds: Int64

        /// How long until this limit would admit the cost, if nobody spends; `.zero` when it would now.
        public var retryAfter: Duration { .nanoseconds(retryAfterNanoseconds) }

        /// The limit's state from the answer `LimitState.decide` gives for `cost`: an admission
        /// reports units left *after* spending, so the cost is added back.
        init(_ answer: StoreDecision, cost: Int) {
            limit = answer.limit
            remaining = answer.isAllowed ? answer.remaining + cost : answer.remaining
            isAdmitted = answer.isAllowed
            retryAfterNanoseconds = answer.retryAfterNanoseconds
        }
    }

    /// Every limit of the request, in the request's order.
    public let limits: [Limit]

    /// The inspection of the answers `LimitState.decide` gives for `request`, one per limit in order.
    init(_ answers: [StoreDecision], for request: RateLimitRequest) {
        precondition(answers.count == request.limits.count, "StoreInspection needs one answer per limit")
        limits = answers.map { Limit($0, cost: request.cost) }
    }

    /// Whether `decide` would admit the request now: every limit admits its cost.
    public var isAdmitted: Bool { limits.allSatisfy(\.isAdmitted) }

    /// How long until `decide` would admit the request, if nobody spends: the longest wait of
    /// a refusing limit; `.zero` when it would be admitted now.
    public var retryAfter: Duration { .nanoseconds(limits.map(\.retryAfterNanoseconds).max() ?? 0) }
}
