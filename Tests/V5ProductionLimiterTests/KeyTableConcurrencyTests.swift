import Synchronization
import Testing
import TestSupport
import V5ProductionLimiter

/// The lock-free paths racing the locked ones: decisions on a hot key while other threads
/// insert and evict in the same set, under ThreadSanitizer in CI.
@Suite struct KeyTableConcurrencyTests {
    @Test func hotKeyGetsExactlyItsCapacityWhileOtherThreadsEvictAroundIt() async throws {
        let capacity = 2_000
        // No refill: time stands still on the manual clock, so every admission is a spent token.
        let limiter = KeyedRateLimiter<Int, ManualClock>(
            limit: try BucketLimit(capacity: capacity, refillRatePerSecond: 1), maximumKeyCount: 8, clock: ManualClock()
        )
        // Two tokens spent before the junk arrives: with only one, the hot key would hold exactly as
        // much state as each junk key, and evicting it (a legitimate tie) would hand it a fresh burst.
        for _ in 0..<2 { #expect(limiter.consume(key: -1).isAllowed) }
        let results = await runOnThreads(4) { thread -> Int in
            var admitted = 0
            if thread < 2 {
                for _ in 0..<capacity where limiter.consume(key: -1).isAllowed { admitted += 1 }
            } else {
                // Junk keys each spend one token, so each is closer to full than the hot key and
                // is the one evicted; the hot key's slot is never taken while it is in debt.
                for junk in 0..<20_000 { _ = limiter.consume(key: thread * 1_000_000 + junk) }
            }
            return admitted
        }
        // Time stands still, so every fresh junk bucket has the same arrival: the compare-and-swap
        // relies on the slot's generation, not the arrival, to tell an evicted key from its successor.
        #expect(2 + results[0] + results[1] == capacity)
        #expect(!limiter.consume(key: -1).isAllowed)
    }

    @Test func concurrentCleanupNeverLosesSpending() async throws {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<Int, ManualClock>(
            limit: try BucketLimit(capacity: 1_000, refillRatePerSecond: 1), maximumKeyCount: 64, clock: clock
        )
        let results = await runOnThreads(3) { thread -> Int in
            if thread == 0 {
                // Removes buckets that are full *now* (idle time zero): exactly the ones the
                // other threads are about to spend from, the tightest race the removal has.
                for _ in 0..<2_000 { limiter.removeIdleBuckets(idleFor: .zero, at: clock.now) }
                return 0
            }
            return (0..<1_000).filter { _ in limiter.consume(key: 7).isAllowed }.count
        }
        // A removal that dropped a bucket something had just spent from would hand the key a
        // fresh thousand tokens: more than a thousand admissions in all.
        let admitted = results[1] + results[2]
        #expect(admitted <= 1_000 + 1)
        #expect(admitted >= 1_000)
    }
}
