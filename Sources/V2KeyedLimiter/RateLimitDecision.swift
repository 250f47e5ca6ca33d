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

    /// A decision with the given outcome.
    public init(isAllowed: Bool, remainingTokens: Int, retryAfter: Duration) {
        self.isAllowed = isAllowed
        self.remainingTokens = remainingTokens
        self.retryAfter = retryAfter
    }
}
