/// Why a limit or a request cost was refused.
public enum RateLimitError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Capacity must be between 1 and `BucketLimit.maximumCapacity`.
    case invalidCapacity(Int)
    /// The refill rate must be finite, positive, at most one token a nanosecond, and fast enough to refill the bucket within ~146 years.
    case invalidRefillRate(Double)
    /// A request must cost at least one token and no more than the capacity, or it could never succeed.
    case invalidCost(Int, capacity: Int)
    /// A limit's name must be 1–64 letters, digits, `-`, `_`, `.` or `/`.
    case invalidLimitName(String)
    /// A limit's window must be positive.
    case invalidWindow(Duration)
    /// A request needs between 1 and `RateLimitRequest.maximumLimitCount` limits with distinct names.
    case invalidLimitSet(String)

    public var description: String {
        switch self {
        case .invalidCapacity(let capacity):
            "capacity must be between 1 and \(BucketLimit.maximumCapacity), got \(capacity)"
        case .invalidRefillRate(let rate):
            "refill rate must be a finite number of tokens per second greater than 0 and at most \(Int(BucketLimit.maximumRefillRatePerSecond)), fast enough to refill the bucket within ~146 years, got \(rate)"
        case .invalidCost(let cost, let capacity):
            "cost must be between 1 and the capacity \(capacity), got \(cost)"
        case .invalidLimitName(let name):
            "a limit name must be 1 to \(RateLimit.maximumNameLength) letters, digits, '-', '_', '.' or '/', got \"\(name)\""
        case .invalidWindow(let window):
            "a limit's window must be positive, got \(window)"
        case .invalidLimitSet(let reason):
            "limits: \(reason)"
        }
    }
}
