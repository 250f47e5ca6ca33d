import Dispatch
import Synchronization
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

    @Test func refusalWhileFullIsItsOwnOutcomeAndCounted() throws {
        let limiter = KeyedRateLimiter<Int>(limit: try BucketLimit(capacity: 2, refillRatePerSecond: 1), maximumKeyCount: 1)
        _ = limiter.consume(key: 1, at: start)
        #expect(limiter.consume(key: 2, at: start).outcome == .limiterAtCapacity)
        #expect(limiter.consume(key: 3, at: start).outcome == .limiterAtCapacity)
        _ = limiter.consume(key: 1, at: start)
        // Key 1's own empty bucket is an ordinary limit, and not counted as a capacity refusal.
        #expect(limiter.consume(key: 1, at: start).outcome == .limited)
        #expect(limiter.capacityRejections == 2)
    }

    @Test func refusalWhileFullWaitsForTheSoonestBucketToRefill() throws {
        // Key 1 refills in 10 s, key 2 in 4 s: room for a third key exists 4 s from now, not before.
        let limiter = KeyedRateLimiter<Int>(maximumKeyCount: 2) { key in
            try! BucketLimit(capacity: 1, refillRatePerSecond: key == 1 ? 0.1 : 0.25)
        }
        _ = limiter.consume(key: 1, at: start)
        _ = limiter.consume(key: 2, at: start)
        #expect(limiter.consume(key: 3, at: start).retryAfter == .seconds(4))
        // A sweep at +2 s finds nothing to drop and holds off until +3 s; key 2 still decides.
        #expect(limiter.consume(key: 3, at: start + .seconds(2)).retryAfter == .seconds(2))
        #expect(limiter.consume(key: 3, at: start + .seconds(4)).isAllowed)
        #expect(limiter.capacityRejections == 2)
    }

    @Test func refusalWhileFullNeverPromisesRoomBeforeTheNextSweep() throws {
        // Key 2 is full again after 0.5 s, but the sweep at `start` found nothing and backs off 1 s.
        let limiter = KeyedRateLimiter<Int>(maximumKeyCount: 2) { key in
            try! BucketLimit(capacity: 1, refillRatePerSecond: key == 1 ? 0.1 : 2)
        }
        _ = limiter.consume(key: 1, at: start)
        _ = limiter.consume(key: 2, at: start)
        #expect(limiter.consume(key: 3, at: start).retryAfter == .seconds(1))
        #expect(!limiter.consume(key: 3, at: start + .milliseconds(600)).isAllowed)
        #expect(limiter.consume(key: 3, at: start + .seconds(1)).isAllowed)
    }

    @Test func bucketsAddedAfterTheLastSweepCanBringTheWaitForward() throws {
        // The sweep at +100 s records the soonest refill among what it kept (nothing: it drops
        // both keys); key 4 then arrives with a fast bucket the sweep never saw.
        let limiter = KeyedRateLimiter<Int>(maximumKeyCount: 2) { key in
            try! BucketLimit(capacity: 1, refillRatePerSecond: key == 4 ? 0.5 : 0.01)
        }
        _ = limiter.consume(key: 1, at: start)
        _ = limiter.consume(key: 2, at: start)
        // At +100 s key 1 and 2 are full again: the sweep drops both, keys 3 and 4 move in.
        let later = start + .seconds(100)
        #expect(limiter.consume(key: 3, at: later).isAllowed)
        #expect(limiter.consume(key: 4, at: later).isAllowed)
        // Key 4 refills in 2 s, sooner than anything the sweep at +100 s saw.
        #expect(limiter.consume(key: 5, at: later).retryAfter == .seconds(2))
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

    @Test func everyConcurrentRefusalOfAFullTableIsCounted() async throws {
        // Frozen time and a slow refill: nothing ever becomes droppable, so exactly 64 keys get in.
        let limiter = KeyedRateLimiter<Int>(limit: try BucketLimit(capacity: 1, refillRatePerSecond: 0.001), maximumKeyCount: 64)
        let admitted = await onOwnThread {
            let admitted = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                for index in 0..<500 where limiter.consume(key: worker * 1_000_000 + index, at: start).isAllowed {
                    admitted.add(1, ordering: .relaxed)
                }
            }
            return admitted.load(ordering: .relaxed)
        }
        #expect(admitted == 64)
        #expect(limiter.capacityRejections == 8 * 500 - 64)
    }

    @Test func concurrentUniqueKeysStayWithinTheBound() async throws {
        let limiter = KeyedRateLimiter<Int>(limit: try BucketLimit(capacity: 1, refillRatePerSecond: 1), maximumKeyCount: 64)
        await onOwnThread {
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                // Time moves on per round, so sweeps run while other threads insert.
                for round in 0..<500 {
                    _ = limiter.consume(key: worker * 1_000_000 + round, at: start + .milliseconds(Int64(round) * 10))
                }
            }
        }
        #expect(limiter.keyCount <= 64)
    }
}
