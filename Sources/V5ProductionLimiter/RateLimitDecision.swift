/// The answer to one request: whether it may proceed, and what the client should be told.
///
/// Stores only what the decision itself computed (the outcome and two spans in nanoseconds);
/// everything a response reports is derived when read. A server refusing a flood reads
/// `isAllowed` millions of times a second and the rest only when it writes headers, and the
/// derived values cost an integer division and three 128-bit `Duration`s, more than the whole
/// decision.
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
    /// The limit of the bucket that decided, so a response can state capacity and window.
    public let limit: BucketLimit
    /// Nanoseconds until the bucket is full again, after this decision: GCRA's TAT − now.
    let backlogNanoseconds: Int64
    /// Nanoseconds until a refused request could be admitted; 0 when it was.
    let retryAfterNanoseconds: Int64

    /// A decision for a bucket under `limit` that will be full `resetAfter` from now.
    public init(outcome: Outcome, limit: BucketLimit, resetAfter: Duration, retryAfter: Duration) {
        self.init(outcome: outcome, limit: limit, backlogNanoseconds: resetAfter.wholeNanoseconds, retryAfterNanoseconds: retryAfter.wholeNanoseconds)
    }

    init(outcome: Outcome, limit: BucketLimit, backlogNanoseconds: Int64, retryAfterNanoseconds: Int64) {
        self.outcome = outcome
        self.limit = limit
        self.backlogNanoseconds = min(max(backlogNanoseconds, 0), limit.capacityNanoseconds)
        self.retryAfterNanoseconds = retryAfterNanoseconds
    }

    /// Whether the request was admitted (and its tokens taken).
    public var isAllowed: Bool { outcome == .allowed }

    /// Whole tokens left in the bucket after this decision: capacity − backlog / T, rounded down.
    public var remainingTokens: Int {
        Int((limit.capacityNanoseconds - backlogNanoseconds) / limit.emissionIntervalNanoseconds)
    }

    /// How long until the same request could be admitted; `.zero` when it was.
    ///
    /// Exact to the nanosecond, so waiting exactly this long always succeeds if nobody else
    /// spends tokens in between. HTTP's `Retry-After` rounds it up to seconds.
    public var retryAfter: Duration { .nanoseconds(retryAfterNanoseconds) }

    /// How long until the bucket is full again if nobody spends; what `X-RateLimit-Reset` reports.
    ///
    /// Never shorter than `nextTokenAfter`. In GCRA terms: theoretical arrival time minus now.
    public var resetAfter: Duration { .nanoseconds(backlogNanoseconds) }

    /// How long until `remainingTokens` grows by one; `.zero` when the bucket is full.
    ///
    /// What the IETF `t` parameter reports ("time until additional quota is made available").
    /// For a refused request of cost 1 it equals `retryAfter`.
    public var nextTokenAfter: Duration { .nanoseconds(nextTokenAfterNanoseconds) }

    /// `nextTokenAfter` in nanoseconds.
    var nextTokenAfterNanoseconds: Int64 {
        let remaining = Int64(remainingTokens)
        guard remaining < Int64(limit.capacity) else { return 0 }
        // `remaining + 1` tokens are back when the backlog has shrunk to (capacity − remaining − 1)·T.
        let backlogThen = limit.capacityNanoseconds - (remaining + 1) * limit.emissionIntervalNanoseconds
        return backlogNanoseconds - backlogThen
    }
}
