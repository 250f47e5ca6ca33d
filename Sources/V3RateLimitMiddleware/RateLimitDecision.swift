/// The answer to one request: whether it may proceed, and what the client should be told.
public struct RateLimitDecision: Hashable, Sendable {
    /// Whether the request was admitted (and its tokens taken).
    public let isAllowed: Bool
    /// Whole tokens left in the bucket after this decision.
    public let remainingTokens: Int
    /// How long until the same request would be admitted; `.zero` when it was.
    ///
    /// Exact to the nanosecond (rounded up), so waiting exactly this long always succeeds
    /// if nobody else spends tokens in between. HTTP's `Retry-After` rounds it up to seconds.
    public let retryAfter: Duration
    /// How long until the bucket is full again if nobody spends; what `X-RateLimit-Reset` reports.
    ///
    /// Rounded up to the nanosecond like `retryAfter`, and never shorter than it.
    public let resetAfter: Duration
    /// The limit of the bucket that decided, so a response can state capacity and window.
    public let limit: BucketLimit

    /// A decision with the given outcome.
    public init(isAllowed: Bool, remainingTokens: Int, retryAfter: Duration, resetAfter: Duration, limit: BucketLimit) {
        self.isAllowed = isAllowed
        self.remainingTokens = remainingTokens
        self.retryAfter = retryAfter
        self.resetAfter = resetAfter
        self.limit = limit
    }
}
