/// A store's answer to one request across all its limits, in the numbers a response reports.
///
/// Plain values rather than stage 4's GCRA backlog, because a Redis script returns numbers
/// (admitted, remaining, retry-after, reset) and a sliding window has no backlog at all; both
/// kinds of store build this one type. Spans are kept as nanoseconds and become `Duration`s
/// only when read: a `Duration` is 128 bits, and three of them cost more than an in-memory
/// decision (stage 4's `RateLimitDecision` made the same choice).
public struct StoreDecision: Hashable, Sendable {
    /// Whether every limit admitted the request (and all were charged); false means none was.
    public let isAllowed: Bool
    /// The limit the response reports: the one that refused (the longest wait, if several did),
    /// or, when admitted, the one with the fewest units left.
    public let limit: RateLimit
    /// Whole units left in `limit` after this decision.
    public let remaining: Int
    let retryAfterNanoseconds: Int64
    let resetAfterNanoseconds: Int64
    let nextUnitAfterNanoseconds: Int64

    /// A decision with the given numbers; negative spans count as zero, `remaining` is clamped to the capacity.
    public init(isAllowed: Bool, limit: RateLimit, remaining: Int, retryAfter: Duration, resetAfter: Duration, nextUnitAfter: Duration) {
        self.init(
            isAllowed: isAllowed, limit: limit, remaining: remaining, retryAfterNanoseconds: retryAfter.wholeNanoseconds,
            resetAfterNanoseconds: resetAfter.wholeNanoseconds, nextUnitAfterNanoseconds: nextUnitAfter.wholeNanoseconds
        )
    }

    /// The same, with spans in nanoseconds.
    init(isAllowed: Bool, limit: RateLimit, remaining: Int, retryAfterNanoseconds: Int64, resetAfterNanoseconds: Int64, nextUnitAfterNanoseconds: Int64) {
        self.isAllowed = isAllowed
        self.limit = limit
        self.remaining = min(max(remaining, 0), limit.capacity)
        self.retryAfterNanoseconds = isAllowed ? 0 : max(retryAfterNanoseconds, 0)
        self.resetAfterNanoseconds = max(resetAfterNanoseconds, 0)
        self.nextUnitAfterNanoseconds = max(nextUnitAfterNanoseconds, 0)
    }

    /// The decision of one token bucket, reported as `limit`.
    public init(_ decision: RateLimitDecision, limit: RateLimit) {
        self.init(
            isAllowed: decision.isAllowed, limit: limit, remaining: decision.remainingTokens,
            retryAfterNanoseconds: decision.retryAfterNanoseconds, resetAfterNanoseconds: decision.backlogNanoseconds,
            nextUnitAfterNanoseconds: decision.nextTokenAfterNanoseconds
        )
    }

    /// How long until the same request could be admitted; `.zero` when it was.
    public var retryAfter: Duration { .nanoseconds(retryAfterNanoseconds) }
    /// How long until `limit` is back to its full capacity if nobody spends.
    public var resetAfter: Duration { .nanoseconds(resetAfterNanoseconds) }
    /// How long until `remaining` grows by one; `.zero` when `limit` is full. The IETF `t`.
    public var nextUnitAfter: Duration { .nanoseconds(nextUnitAfterNanoseconds) }

    /// One decision for a request from the per-limit decisions, `outcomes` in the request's order.
    ///
    /// The rule every store follows, so in-memory and Redis stores report alike: a refusal reports
    /// the refusing limit with the longest wait; an admission the limit with the fewest units
    /// left (the first such, on a tie).
    public static func combining(_ outcomes: [StoreDecision]) -> StoreDecision {
        precondition(!outcomes.isEmpty, "StoreDecision.combining needs at least one decision")
        let refusals = outcomes.filter { !$0.isAllowed }
        if let longest = refusals.max(by: { $0.retryAfterNanoseconds < $1.retryAfterNanoseconds }) { return longest }
        return outcomes.min(by: { $0.remaining < $1.remaining })!
    }
}
