/// How many tokens a bucket holds and how fast it refills; validated on creation.
public struct BucketLimit: Hashable, Sendable {
    /// The most tokens the bucket can hold: the largest burst it admits at once.
    public let capacity: Int
    /// Tokens added per second; fractional rates such as `0.5` (one token every two seconds) are allowed.
    public let refillRatePerSecond: Double

    /// The largest capacity whose token counts are all exact in a `Double` (2^53).
    public static let maximumCapacity = 1 << 53

    /// A validated limit.
    ///
    /// Throws instead of clamping: a limiter configured with a rate of zero or NaN would
    /// silently admit nothing (or everything), which is worse than refusing to start.
    public init(capacity: Int, refillRatePerSecond: Double) throws(RateLimitError) {
        guard capacity > 0, capacity <= Self.maximumCapacity else {
            throw .invalidCapacity(capacity)
        }
        guard refillRatePerSecond.isFinite, refillRatePerSecond > 0 else {
            throw .invalidRefillRate(refillRatePerSecond)
        }
        // Retry-after is reported in whole nanoseconds (Int64, about 292 years); a rate so slow
        // that refilling the bucket takes longer could not be reported, so it is refused here,
        // with a factor of two to spare for rounding in the tokens-per-nanosecond conversion.
        guard Double(capacity) / refillRatePerSecond * 1e9 < Double(Int64.max) / 2 else {
            throw .invalidRefillRate(refillRatePerSecond)
        }
        self.capacity = capacity
        self.refillRatePerSecond = refillRatePerSecond
    }
}
