/// One token bucket: up to `capacity` tokens, refilled continuously at a fixed rate.
///
/// Refill is lazy: no timer adds tokens. Each call first credits the tokens earned since the
/// last call (`elapsed × rate`, capped at capacity), then tries to spend. A timer per bucket
/// would cost a thread wake-up per key per tick even for idle keys; lazy refill costs one
/// multiplication, and only when someone asks.
///
/// A value type with no locking of its own: `KeyedRateLimiter` keeps every bucket behind one lock.
public struct TokenBucket: Sendable {
    /// The capacity and refill rate this bucket enforces.
    public let limit: BucketLimit
    /// Tokens available as of `lastRefill`, fractional between whole tokens.
    public private(set) var tokens: Double
    /// The latest instant up to which tokens have been credited.
    public private(set) var lastRefill: MonotonicInstant

    // The rate converted once to tokens per nanosecond, so the hot path is one multiply.
    private let tokensPerNanosecond: Double

    /// Floating-point slack when comparing token counts: one billionth of a token.
    ///
    /// Crediting `elapsed × rate` in many small steps can land a few ulps below a whole
    /// number (0.9999999999999998 instead of 1), which would refuse a request that is due.
    /// Admitting up to a billionth of a token early is far below anything a client can observe.
    static let tolerance = 1e-9

    /// A full bucket, as of `now`.
    public init(limit: BucketLimit, now: MonotonicInstant) {
        self.limit = limit
        self.tokens = Double(limit.capacity)
        self.lastRefill = now
        self.tokensPerNanosecond = limit.refillRatePerSecond / 1e9
    }

    /// Takes one token if there is one at `now`.
    public mutating func consume(at now: MonotonicInstant) -> RateLimitDecision {
        spend(1, at: now)
    }

    /// Takes `cost` tokens if that many are available at `now`; all or nothing.
    public mutating func consume(_ cost: Int, at now: MonotonicInstant) throws(RateLimitError) -> RateLimitDecision {
        guard cost >= 1, cost <= limit.capacity else {
            throw .invalidCost(cost, capacity: limit.capacity)
        }
        return spend(cost, at: now)
    }

    /// Tokens that would be available at `now`, without changing the bucket.
    public func availableTokens(at now: MonotonicInstant) -> Double {
        var copy = self
        copy.refill(to: now)
        return copy.tokens
    }

    /// How long from `now` until the bucket is full if nobody spends; `.zero` when it already is.
    public func timeUntilFull(at now: MonotonicInstant) -> Duration {
        var copy = self
        copy.refill(to: now)
        return copy.timeToRefill(Double(limit.capacity) - copy.tokens)
    }

    private mutating func spend(_ cost: Int, at now: MonotonicInstant) -> RateLimitDecision {
        refill(to: now)
        let needed = Double(cost)
        let isAllowed = tokens + Self.tolerance >= needed
        if isAllowed {
            tokens = max(0, tokens - needed)
        }
        let remaining = Int(tokens + Self.tolerance)
        return RateLimitDecision(
            outcome: isAllowed ? .allowed : .limited,
            remainingTokens: remaining,
            retryAfter: isAllowed ? .zero : timeToRefill(needed - tokens),
            resetAfter: timeToRefill(Double(limit.capacity) - tokens),
            // The next whole token, not the next fraction: `remaining` is what a client sees grow.
            nextTokenAfter: remaining >= limit.capacity ? .zero : timeToRefill(Double(remaining + 1) - tokens),
            limit: limit
        )
    }

    /// ceil(deficit / rate): the first nanosecond at which `deficit` tokens have been refilled.
    ///
    /// A deficit within the tolerance counts as none, so a bucket that is full up to rounding
    /// reports `.zero` rather than one nanosecond.
    private func timeToRefill(_ deficit: Double) -> Duration {
        guard deficit > Self.tolerance else { return .zero }
        return .nanoseconds(Int64((deficit / tokensPerNanosecond).rounded(.up)))
    }

    private mutating func refill(to now: MonotonicInstant) {
        // A clock that stands still or steps backwards must not mint tokens; we also never move
        // `lastRefill` backwards, or the same interval would be credited twice when time recovers.
        guard now > lastRefill else { return }
        let (elapsed, overflow) = now.nanoseconds.subtractingReportingOverflow(lastRefill.nanoseconds)
        // A gap wider than Int64 nanoseconds (292 years) refills any bucket completely.
        let earned = overflow ? Double.infinity : Double(elapsed) * tokensPerNanosecond
        tokens = min(Double(limit.capacity), tokens + earned)
        lastRefill = now
    }
}
