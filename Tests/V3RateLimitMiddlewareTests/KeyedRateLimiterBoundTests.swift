import Dispatch
import Testing
import V3RateLimitMiddleware

private let start = MonotonicInstant(nanoseconds: 7_000_000_000)

@Suite struct KeyedRateLimiterBoundTests {
    @Test func uniqueKeysNeverGrowTheTablePastItsBound() throws {
        let limiter = KeyedRateLimiter<Int>(limit: try BucketLimit(capacity: 2, refillRatePerSecond: 1), maximumKeyCount: 100)
        var refused = 0
        for key in 0..<10_000 where !limiter.consume(key: key, at: start).isAllowed { refused += 1 }
        #expect(limiter.keyCount == 100)
        #expect(refused == 9_900)
    }

    @Test func refusalWhileFullTellsTheClientWhenToRetry() throws {
        let limiter = KeyedRateLimiter<Int>(limit: try BucketLimit(capacity: 2, refillRatePerSecond: 1), maximumKeyCount: 1)
        _ = limiter.consume(key: 1, at: start)
        let refused = limiter.consume(key: 2, at: start)
        #expect(!refused.isAllowed)
        #expect(refused.retryAfter > .zero)
        #expect(refused.retryAfter <= .seconds(1))
    }

    @Test func keysThatHaveABucketAreUnaffectedByAFullTable() throws {
        let limiter = KeyedRateLimiter<Int>(limit: try BucketLimit(capacity: 3, refillRatePerSecond: 1), maximumKeyCount: 2)
        _ = limiter.consume(key: 1, at: start)
        _ = limiter.consume(key: 2, at: start)
        #expect(!limiter.consume(key: 3, at: start).isAllowed)
        #expect(limiter.consume(key: 1, at: start).isAllowed)
        #expect(limiter.consume(key: 2, at: start).remainingTokens == 1)
    }

    @Test func refilledBucketsMakeRoomWithoutChangingAnyDecision() throws {
        let limiter = KeyedRateLimiter<Int>(limit: try BucketLimit(capacity: 1, refillRatePerSecond: 1), maximumKeyCount: 10)
        for key in 0..<10 { _ = limiter.consume(key: key, at: start) }
        // Half a second later nobody has refilled: the new key must wait.
        #expect(!limiter.consume(key: 99, at: start + .milliseconds(500)).isAllowed)
        // Two seconds later every bucket is full again, so forgetting them is invisible.
        let later = start + .seconds(2)
        #expect(limiter.consume(key: 99, at: later).isAllowed)
        #expect(limiter.keyCount == 1)
        #expect(limiter.consume(key: 0, at: later).isAllowed)
    }

    @Test func bucketsStillRefillingAreNeverDropped() throws {
        let limiter = KeyedRateLimiter<Int>(limit: try BucketLimit(capacity: 2, refillRatePerSecond: 1), maximumKeyCount: 2)
        for _ in 0..<2 { _ = limiter.consume(key: 1, at: start) }
        _ = limiter.consume(key: 2, at: start)
        // At +1.5 s key 1 holds 1.5 of 2 tokens; key 2 is full and may go.
        let later = start + .milliseconds(1500)
        #expect(limiter.consume(key: 3, at: later).isAllowed)
        #expect(limiter.consume(key: 1, at: later).remainingTokens == 0)
        #expect(!limiter.consume(key: 1, at: later).isAllowed)
    }

    @Test func concurrentUniqueKeysStayWithinTheBound() throws {
        let limiter = KeyedRateLimiter<Int>(limit: try BucketLimit(capacity: 1, refillRatePerSecond: 1), maximumKeyCount: 64)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            // Time moves on per round, so sweeps run while other threads insert.
            for round in 0..<500 {
                _ = limiter.consume(key: worker * 1_000_000 + round, at: start + .milliseconds(Int64(round) * 10))
            }
        }
        #expect(limiter.keyCount <= 64)
    }
}
