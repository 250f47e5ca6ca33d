/// One token bucket, stored as a single instant: GCRA's theoretical arrival time.
///
/// Stages 1–3 kept two numbers, `tokens` and `lastRefill`, and refilled `elapsed × rate` on
/// every call. The generic cell rate algorithm (GCRA, from ATM networks) keeps one: the
/// instant at which the bucket would be full again if nobody spent, called the theoretical
/// arrival time (TAT). The two are the same bucket, seen from the other side:
///
/// - backlog = max(TAT − now, 0) is "how long until full";
/// - tokens  = capacity − backlog / T, where T = 1 / rate is the emission interval;
/// - spending n tokens pushes TAT n·T further out: TAT' = max(TAT, now) + n·T;
/// - that is allowed while backlog + n·T ≤ capacity·T, i.e. while tokens ≥ n.
///
/// Refill needs no arithmetic at all: time passing *is* the refill, because the backlog shrinks
/// as `now` grows. And one `Int64` of nanoseconds fits in one atomic word, which is what lets
/// `KeyedRateLimiter` update a bucket with a single compare-and-swap instead of a lock.
///
/// Integer nanoseconds also remove stage 3's floating-point tolerance: T is rounded *up* to a
/// whole nanosecond once (see `BucketLimit`), and every comparison after that is exact.
public struct TokenBucket: Sendable {
    /// The capacity and refill rate this bucket enforces.
    public let limit: BucketLimit
    /// The instant at which the bucket is full again if nobody spends; at or before now when full.
    public private(set) var theoreticalArrival: MonotonicInstant

    /// A full bucket, as of `now`.
    public init(limit: BucketLimit, now: MonotonicInstant) {
        self.limit = limit
        self.theoreticalArrival = now
    }

    /// Takes one token if there is one at `now`.
    public mutating func consume(at now: MonotonicInstant) -> RateLimitDecision {
        let (decision, arrival) = Self.decide(cost: 1, arrival: theoreticalArrival.nanoseconds, at: now.nanoseconds, limit: limit)
        if let arrival { theoreticalArrival = MonotonicInstant(nanoseconds: arrival) }
        return decision
    }

    /// Takes `cost` tokens if that many are available at `now`; all or nothing.
    public mutating func consume(_ cost: Int, at now: MonotonicInstant) throws(RateLimitError) -> RateLimitDecision {
        try Self.validate(cost: cost, limit: limit)
        let (decision, arrival) = Self.decide(cost: cost, arrival: theoreticalArrival.nanoseconds, at: now.nanoseconds, limit: limit)
        if let arrival { theoreticalArrival = MonotonicInstant(nanoseconds: arrival) }
        return decision
    }

    /// Tokens that would be available at `now`, fractional between whole tokens, without spending.
    public func availableTokens(at now: MonotonicInstant) -> Double {
        let backlog = Self.backlog(arrival: theoreticalArrival.nanoseconds, at: now.nanoseconds)
        return Double(limit.capacityNanoseconds - backlog) / Double(limit.emissionIntervalNanoseconds)
    }

    /// How long from `now` until the bucket is full if nobody spends; `.zero` when it already is.
    public func timeUntilFull(at now: MonotonicInstant) -> Duration {
        .nanoseconds(Self.backlog(arrival: theoreticalArrival.nanoseconds, at: now.nanoseconds))
    }

    /// Throws unless `cost` is between 1 and the capacity: anything else could never be admitted.
    static func validate(cost: Int, limit: BucketLimit) throws(RateLimitError) {
        guard cost >= 1, cost <= limit.capacity else {
            throw .invalidCost(cost, capacity: limit.capacity)
        }
    }

    /// max(TAT − now, 0): how long until full. A TAT more than 292 years ahead cannot happen
    /// (`BucketLimit` keeps capacity·T under Int64.max / 2), so the subtraction cannot overflow
    /// unless the clock itself jumps by centuries; then it saturates.
    static func backlog(arrival: Int64, at now: Int64) -> Int64 {
        guard arrival > now else { return 0 }
        let (difference, overflow) = arrival.subtractingReportingOverflow(now)
        return overflow ? .max : difference
    }

    /// One GCRA decision: the answer, and the new TAT if tokens were taken (nil if refused).
    ///
    /// The one implementation of the bucket: `TokenBucket` calls it on its stored TAT, and
    /// `KeyedRateLimiter` calls it on a TAT loaded from an atomic word, then publishes the new
    /// TAT with compare-and-swap. A refusal returns nil, so the caller writes nothing at all.
    ///
    /// A clock that stands still mints nothing (backlog does not shrink); a clock that steps
    /// back makes the backlog look *longer*, so it refuses more, never admits more.
    @inline(__always)
    static func decide(cost: Int, arrival: Int64, at now: Int64, limit: BucketLimit) -> (RateLimitDecision, newArrival: Int64?) {
        let interval = limit.emissionIntervalNanoseconds
        let backlog = backlog(arrival: arrival, at: now)
        let needed = Int64(cost) &* interval
        let (afterSpending, overflow) = backlog.addingReportingOverflow(needed)
        let isAllowed = !overflow && afterSpending <= limit.capacityNanoseconds
        let decision = RateLimitDecision(
            outcome: isAllowed ? .allowed : .limited,
            limit: limit,
            backlogNanoseconds: isAllowed ? afterSpending : backlog,
            retryAfterNanoseconds: isAllowed ? 0 : (overflow ? .max : afterSpending - limit.capacityNanoseconds)
        )
        return (decision, isAllowed ? max(arrival, now).saturatingAdding(needed) : nil)
    }
}
