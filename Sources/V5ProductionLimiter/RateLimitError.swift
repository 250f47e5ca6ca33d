/// Why a limit or a request cost was refused.
public enum RateLimitError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Capacity must be between 1 and `BucketLimit.maximumCapacity`.
    case invalidCapacity(Int)
    /// The refill rate must be finite, positive, at most one token a nanosecond, and fast enough to refill the bucket within ~146 years.
    case invalidRefillRate(Double)
    /// A request must cost at least one token and no more than the capacity, or it could never succeed.
    case invalidCost(Int, capacity: Int)

    public var description: String {
        switch self {
        case .invalidCapacity(let capacity):
            "capacity must be between 1 and \(BucketLimit.maximumCapacity), got \(capacity)"
        case .invalidRefillRate(let rate):
            "refill rate must be a finite number of tokens per second greater than 0 and at most \(Int(BucketLimit.maximumRefillRatePerSecond)), fast enough to refill the bucket within ~146 years, got \(rate)"
        case .invalidCost(let cost, let capacity):
            "cost must be between 1 and the capacity \(capacity), got \(cost)"
        }
    }
}
