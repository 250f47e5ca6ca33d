/// The answer to one request: whether it may proceed, and what the client should be told.
public struct RateLimitDecision: Hashable, Sendable {
    /// What became of a request.
    public enum Outcome: Hashable, Sendable {
        /// Admitted; its tokens were taken.
        case allowed
        /// Refused because its key's bucket lacks tokens: the client's own doing (HTTP 429).
        case limited
        /// Refused because the key has no bucket and the table has no room for one: the
        /// limiter's doing, not the client's (HTTP 503). No tokens were looked at.
        case limiterAtCapacity
    }

    /// What became of the request.
    public let outcome: Outcome
    /// Whole tokens left in the bucket after this decision; 0 when the limiter was at capacity.
    public let remainingTokens: Int
    /// How long until the same request could be admitted; `.zero` when it was.
    ///
    /// Exact to the nanosecond (rounded up), so waiting exactly this long always succeeds
    /// if nobody else spends tokens in between. HTTP's `Retry-After` rounds it up to seconds.
    /// At capacity: how long until the table could first make room (see `KeyedRateLimiter+bound.swift`).
    public let retryAfter: Duration
    /// How long until the bucket is full again if nobody spends; what `X-RateLimit-Reset` reports.
    ///
    /// Rounded up to the nanosecond like `retryAfter`, and never shorter than `nextTokenAfter`.
    public let resetAfter: Duration
    /// How long until `remainingTokens` grows by one; `.zero` when the bucket is full.
    ///
    /// What the IETF `t` parameter reports ("time until additional quota is made available").
    /// For a refused request of cost 1 it equals `retryAfter`.
    public let nextTokenAfter: Duration
    /// The limit of the bucket that decided (or would have), so a response can state capacity and window.
    public let limit: BucketLimit

    /// Whether the request was admitted (and its tokens taken).
    public var isAllowed: Bool { outcome == .allowed }

    /// A decision with the given outcome.
    public init(
        outcome: Outcome,
        remainingTokens: Int,
        retryAfter: Duration,
        resetAfter: Duration,
        nextTokenAfter: Duration,
        limit: BucketLimit
    ) {
        self.outcome = outcome
        self.remainingTokens = remainingTokens
        self.retryAfter = retryAfter
        self.resetAfter = resetAfter
        self.nextTokenAfter = nextTokenAfter
        self.limit = limit
    }
}
