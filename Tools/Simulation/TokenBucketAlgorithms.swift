import V1TokenBucket
import V4LongRunningLimiter

// Both stage modules call their types `TokenBucket`, `BucketLimit` and `MonotonicInstant`, so
// every use below names its module. The simulator uses the stages as they are; they never import it.

/// Stage 1's token bucket, unchanged: tokens as a `Double`, refilled lazily from elapsed time.
public struct StageOneTokenBucket: RateLimitAlgorithm {
    public static let name = "v1-token-bucket"
    public static let summary = "stage 1's token bucket: tokens as a Double, refilled from elapsed time"

    private var bucket: V1TokenBucket.TokenBucket

    /// A full stage 1 bucket at time zero.
    public init(limit: SimulationLimit) throws(SimulationError) {
        do {
            let bucketLimit = try V1TokenBucket.BucketLimit(capacity: limit.capacity, refillRatePerSecond: limit.ratePerSecond)
            bucket = V1TokenBucket.TokenBucket(limit: bucketLimit, now: V1TokenBucket.MonotonicInstant(nanoseconds: 0))
        } catch {
            throw SimulationError("\(Self.name): \(error)")
        }
    }

    public mutating func decide(cost: Int, at time: Duration) -> SimulatedDecision {
        let now = V1TokenBucket.MonotonicInstant(nanoseconds: time.nanosecondCount)
        // Costs are checked against the capacity when the trace is read, so this cannot throw.
        guard let decision = try? bucket.consume(cost, at: now) else { return SimulatedDecision(isAllowed: false) }
        return SimulatedDecision(isAllowed: decision.isAllowed, retryAfter: decision.isAllowed ? nil : decision.retryAfter)
    }

    public func allowance(at time: Duration) -> Double {
        bucket.availableTokens(at: V1TokenBucket.MonotonicInstant(nanoseconds: time.nanosecondCount))
    }
}

/// Stage 4's token bucket, unchanged: the same bucket kept as one instant (GCRA), in integer nanoseconds.
public struct StageFourGCRA: RateLimitAlgorithm {
    public static let name = "v4-gcra"
    public static let summary = "stage 4's GCRA: the same token bucket, kept as one instant"

    private var bucket: V4LongRunningLimiter.TokenBucket

    /// A full stage 4 bucket at time zero.
    public init(limit: SimulationLimit) throws(SimulationError) {
        do {
            let bucketLimit = try V4LongRunningLimiter.BucketLimit(capacity: limit.capacity, refillRatePerSecond: limit.ratePerSecond)
            bucket = V4LongRunningLimiter.TokenBucket(limit: bucketLimit, now: V4LongRunningLimiter.MonotonicInstant(nanoseconds: 0))
        } catch {
            throw SimulationError("\(Self.name): \(error)")
        }
    }

    public mutating func decide(cost: Int, at time: Duration) -> SimulatedDecision {
        let now = V4LongRunningLimiter.MonotonicInstant(nanoseconds: time.nanosecondCount)
        // Costs are checked against the capacity when the trace is read, so this cannot throw.
        guard let decision = try? bucket.consume(cost, at: now) else { return SimulatedDecision(isAllowed: false) }
        return SimulatedDecision(isAllowed: decision.isAllowed, retryAfter: decision.isAllowed ? nil : decision.retryAfter)
    }

    public func allowance(at time: Duration) -> Double {
        bucket.availableTokens(at: V4LongRunningLimiter.MonotonicInstant(nanoseconds: time.nanosecondCount))
    }
}
