import Testing
import V5ProductionLimiter

/// Stage 3's provoked failure, replayed against stage 4: a table full of junk keys must still
/// serve a new client, evict the junk rather than the clients it is limiting, and never grow.
///
/// A table of eight keys is one set, so every key competes for the same eight slots and the
/// eviction order is fully determined by the buckets' states.
@Suite struct KeyTableEvictionTests {
    static let slow = try! BucketLimit(capacity: 5, refillRatePerSecond: 0.01)

    @Test func floodOfJunkKeysDoesNotLockOutANewClient() throws {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<String, ManualClock>(limit: Self.slow, maximumKeyCount: 64, clock: clock)
        // Stage 3 refused every new client for 86 s after this (its buckets take 500 s to refill).
        for junk in 0..<10_000 { _ = limiter.consume(key: "junk-\(junk)") }
        let newcomer = limiter.consume(key: "legitimate-client")
        #expect(newcomer.isAllowed)
        #expect(newcomer.remainingTokens == Self.slow.capacity - 1)
        let statistics = limiter.statistics
        #expect(statistics.keyCount <= 64)
        #expect(statistics.maximumKeyCount == 64)
        #expect(statistics.bucketsWithStateEvicted >= 10_000 - 64)
    }

    @Test func drainedClientIsNotEvictedByKeysThatSpentLess() throws {
        let limiter = KeyedRateLimiter<String, ManualClock>(limit: Self.slow, maximumKeyCount: 8, clock: ManualClock())
        for _ in 0..<Self.slow.capacity { _ = limiter.consume(key: "heavy-user") }
        #expect(!limiter.consume(key: "heavy-user").isAllowed)
        // Each junk key spends one token, so each holds less state than the drained bucket;
        // the junk evicts itself over and over and the heavy user's debt survives.
        for junk in 0..<1_000 { _ = limiter.consume(key: "junk-\(junk)") }
        #expect(!limiter.consume(key: "heavy-user").isAllowed)
    }

    @Test func victimIsTheBucketClosestToFullNotTheLeastRecentlyUsed() throws {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.slow, maximumKeyCount: 8, clock: clock)
        // Key 0 is the least recently used but drained; keys 1...7 are recent but spent one token.
        for _ in 0..<Self.slow.capacity { _ = limiter.consume(key: 0) }
        clock.advance(by: .seconds(1))
        for key in 1...7 { _ = limiter.consume(key: key) }
        _ = limiter.consume(key: 100)
        // LRU would have evicted key 0 and handed it a fresh burst of five.
        #expect(!limiter.consume(key: 0).isAllowed)
        #expect(limiter.statistics.bucketsWithStateEvicted == 1)
    }

    @Test func evictingAFullBucketChangesNoDecision() throws {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.slow, maximumKeyCount: 8, clock: clock)
        var reference = TokenBucket(limit: Self.slow, now: clock.now)
        for key in 0..<8 { _ = limiter.consume(key: key) }
        _ = reference.consume(at: clock.now)
        // 100 s refills the one token each spent: every bucket is full, so all are equally evictable.
        clock.advance(by: .seconds(100))
        for key in 8..<16 { _ = limiter.consume(key: key) }
        #expect(limiter.statistics.fullBucketsEvicted == 8)
        #expect(limiter.statistics.bucketsWithStateEvicted == 0)
        // Key 0 was evicted; what it gets now is what a bucket that was never evicted gives.
        for _ in 0..<(Self.slow.capacity + 1) {
            #expect(limiter.consume(key: 0) == reference.consume(at: clock.now))
        }
    }

    @Test func tableNeverHoldsMoreThanItsRoundedUpMaximum() {
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.slow, maximumKeyCount: 20, clock: ManualClock())
        // Sets hold eight keys, so 20 rounds up to 24.
        #expect(limiter.maximumKeyCount == 24)
        for key in 0..<5_000 { _ = limiter.consume(key: key) }
        #expect(limiter.keyCount <= 24)
    }

    @Test func memoryBudgetGivesSixteenBytesPerKey() {
        #expect(KeyedRateLimiter<Int, ManualClock>.maximumKeyCount(fittingIn: 16 << 20) == 1 << 20)
        #expect(KeyedRateLimiter<Int, ManualClock>.maximumKeyCount(fittingIn: 100) == 0)
    }
}
