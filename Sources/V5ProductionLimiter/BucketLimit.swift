/// How many tokens a bucket holds and how fast it refills; validated on creation.
public struct BucketLimit: Hashable, Sendable {
    /// The most tokens the bucket can hold: the largest burst it admits at once.
    public let capacity: Int
    /// Tokens added per second; fractional rates such as `0.5` (one token every two seconds) are allowed.
    public let refillRatePerSecond: Double
    /// Nanoseconds between two tokens, rounded up: GCRA's emission interval, `T`.
    let emissionIntervalNanoseconds: Int64
    /// Nanoseconds a full bucket takes to drain and refill: `capacity × T`.
    let capacityNanoseconds: Int64

    /// The largest capacity whose token counts are all exact in a `Double` (2^53).
    public static let maximumCapacity = 1 << 53
    /// The fastest refill: one token a nanosecond, the unit the limiter keeps time in.
    public static let maximumRefillRatePerSecond = 1e9

    /// A validated limit.
    ///
    /// Throws instead of clamping: a limiter configured with a rate of zero or NaN would
    /// silently admit nothing (or everything), which is worse than refusing to start.
    public init(capacity: Int, refillRatePerSecond: Double) throws(RateLimitError) {
        guard capacity > 0, capacity <= Self.maximumCapacity else {
            throw .invalidCapacity(capacity)
        }
        guard refillRatePerSecond.isFinite, refillRatePerSecond > 0,
              refillRatePerSecond <= Self.maximumRefillRatePerSecond else {
            throw .invalidRefillRate(refillRatePerSecond)
        }
        // The bucket's whole state is one Int64 of nanoseconds, so the time to refill a full
        // bucket must fit in one, with a factor of two to spare for "now + backlog" sums.
        let interval = (1e9 / refillRatePerSecond).rounded(.up)
        guard interval * Double(capacity) < Double(Int64.max) / 2 else {
            throw .invalidRefillRate(refillRatePerSecond)
        }
        self.capacity = capacity
        self.refillRatePerSecond = refillRatePerSecond
        // Rounded up, never down: a token arrives at most a nanosecond late, never early, so the
        // limiter can be stricter than configured by under a nanosecond a token, never looser.
        self.emissionIntervalNanoseconds = Int64(interval)
        self.capacityNanoseconds = Int64(interval) * Int64(capacity)
    }

    /// The time between two tokens: GCRA's emission interval.
    public var emissionInterval: Duration { .nanoseconds(emissionIntervalNanoseconds) }

    /// How far ahead of now a bucket's theoretical arrival time may run and still admit a
    /// request: GCRA's burst tolerance, `(capacity − 1) × T`.
    public var burstTolerance: Duration { .nanoseconds(capacityNanoseconds - emissionIntervalNanoseconds) }
}
