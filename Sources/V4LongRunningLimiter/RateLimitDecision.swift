/// The answer to one request: whether it may proceed, and what the client should be told.
public struct RateLimitDecision: Hashable, Sendable {
    /// What became of a request.
    public enum Outcome: Hashable, Sendable {
        /// Admitted; its tokens were taken.
        case allowed
        /// Refused because its key's bucket lacks tokens (HTTP 429).
        ///
        /// Stage 3 had a third outcome, "limiter at capacity", for a new key the full table had
        /// no room for. Stage 4 always makes room by evicting, so every key gets a bucket.
        case limited
    }

    /// What became of the request.
    public let outcome: Outcome
    /// Whole tokens left in the bucket after this decision.
    public let remainingTokens: Int
    /// The limit of the bucket that decided, so a response can state capacity and window.
    public let limit: BucketLimit
    // The three spans are kept as nanoseconds and turned into `Duration`s only when read: a
    // `Duration` is 128-bit attoseconds, and building three of them cost more than the decision
    // itself on the hot path, where most callers read only `isAllowed`.
    let retryAfterNanoseconds: Int64
    let resetAfterNanoseconds: Int64
    let nextTokenAfterNanoseconds: Int64

    /// Whether the request was admitted (and its tokens taken).
    public var isAllowed: Bool { outcome == .allowed }

    /// How long until the same request could be admitted; `.zero` when it was.
    ///
    /// Exact to the nanosecond, so waiting exactly this long always succeeds if nobody else
    /// spends tokens in between. HTTP's `Retry-After` rounds it up to seconds.
    public var retryAfter: Duration { .nanoseconds(retryAfterNanoseconds) }
    /// How long until the bucket is full again if nobody spends; what `X-RateLimit-Reset` reports.
    ///
    /// Never shorter than `nextTokenAfter`. In GCRA terms: theoretical arrival time minus now.
    public var resetAfter: Duration { .nanoseconds(resetAfterNanoseconds) }
    /// How long until `remainingTokens` grows by one; `.zero` when the bucket is full.
    ///
    /// What the IETF `t` parameter reports ("time until additional quota is made available").
    /// For a refused request of cost 1 it equals `retryAfter`.
    public var nextTokenAfter: Duration { .nanoseconds(nextTokenAfterNanoseconds) }

    /// A decision with the given outcome and spans.
    public init(
        outcome: Outcome,
        remainingTokens: Int,
        retryAfter: Duration,
        resetAfter: Duration,
        nextTokenAfter: Duration,
        limit: BucketLimit
    ) {
        self.init(
            outcome: outcome,
            remainingTokens: remainingTokens,
            retryAfterNanoseconds: retryAfter.wholeNanoseconds,
            resetAfterNanoseconds: resetAfter.wholeNanoseconds,
            nextTokenAfterNanoseconds: nextTokenAfter.wholeNanoseconds,
            limit: limit
        )
    }

    init(
        outcome: Outcome,
        remainingTokens: Int,
        retryAfterNanoseconds: Int64,
        resetAfterNanoseconds: Int64,
        nextTokenAfterNanoseconds: Int64,
        limit: BucketLimit
    ) {
        self.outcome = outcome
        self.remainingTokens = remainingTokens
        self.retryAfterNanoseconds = retryAfterNanoseconds
        self.resetAfterNanoseconds = resetAfterNanoseconds
        self.nextTokenAfterNanoseconds = nextTokenAfterNanoseconds
        self.limit = limit
    }
}
