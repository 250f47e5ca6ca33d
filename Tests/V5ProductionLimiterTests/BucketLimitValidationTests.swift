import Testing
import V5ProductionLimiter

/// Every invalid limit is refused with an error naming the value; every valid one is accepted.
@Suite struct BucketLimitValidationTests {
    @Test(arguments: [0, -1, Int.min, BucketLimit.maximumCapacity + 1])
    func rejectsCapacityOutsideRange(capacity: Int) {
        #expect(throws: RateLimitError.invalidCapacity(capacity)) {
            try BucketLimit(capacity: capacity, refillRatePerSecond: 1)
        }
    }

    // 1e12: faster than one token a nanosecond, the unit the bucket's single word counts in.
    @Test(arguments: [0, -1, -0.0, .nan, .infinity, -.infinity, 1e-300, 1e9.nextUp, 1e12])
    func rejectsRefillRateThatIsNotUsable(rate: Double) {
        #expect(throws: RateLimitError.self) {
            try BucketLimit(capacity: 10, refillRatePerSecond: rate)
        }
    }

    @Test func acceptsFractionalRatesAndUpToOneTokenPerNanosecond() throws {
        #expect(try BucketLimit(capacity: 1, refillRatePerSecond: 0.001).refillRatePerSecond == 0.001)
        #expect(try BucketLimit(capacity: 1, refillRatePerSecond: 1e9).emissionInterval == .nanoseconds(1))
    }

    @Test func emissionIntervalIsRoundedUpSoTokensAreNeverEarly() throws {
        // 1/3 s is 333,333,333.3 ns; a token every 333,333,334 ns is a hair slower, never faster.
        let limit = try BucketLimit(capacity: 3, refillRatePerSecond: 3)
        #expect(limit.emissionInterval == .nanoseconds(333_333_334))
        #expect(limit.burstTolerance == .nanoseconds(2 * 333_333_334))
    }

    @Test(arguments: [0, -3, 11])
    func rejectsCostOutsideOneToCapacity(cost: Int) throws {
        var bucket = TokenBucket(
            limit: try BucketLimit(capacity: 10, refillRatePerSecond: 1),
            now: MonotonicInstant(nanoseconds: 0)
        )
        #expect(throws: RateLimitError.invalidCost(cost, capacity: 10)) {
            try bucket.consume(cost, at: MonotonicInstant(nanoseconds: 0))
        }
        // A refused cost leaves the bucket untouched.
        #expect(bucket.availableTokens(at: MonotonicInstant(nanoseconds: 0)) == 10)
    }

    @Test func errorMessagesNameTheOffendingValue() {
        #expect(RateLimitError.invalidCapacity(0).description.contains("got 0"))
        #expect(RateLimitError.invalidRefillRate(-2).description.contains("got -2.0"))
        #expect(RateLimitError.invalidCost(11, capacity: 10).description.contains("capacity 10"))
    }
}
