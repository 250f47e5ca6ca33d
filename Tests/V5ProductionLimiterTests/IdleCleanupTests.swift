import Testing
import V5ProductionLimiter

/// Time-to-live eviction: buckets that have stayed full for the idle time are forgotten, in
/// bounded steps, by a call or by a cancellable task on the limiter's own clock.
@Suite struct IdleCleanupTests {
    /// One token every 10 s, so a bucket that spent one token is full again 10 s later.
    static let limit = try! BucketLimit(capacity: 2, refillRatePerSecond: 0.1)

    @Test func bucketFullForTheIdleTimeIsRemoved() {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.limit, maximumKeyCount: 64, clock: clock)
        for key in 0..<10 { _ = limiter.consume(key: key) }
        // Full again at +10 s; idle for 60 s at +70 s.
        clock.advance(by: .seconds(69))
        #expect(limiter.removeIdleBuckets(idleFor: .seconds(60), at: clock.now) == 0)
        clock.advance(by: .seconds(1))
        #expect(limiter.removeIdleBuckets(idleFor: .seconds(60), at: clock.now) == 10)
        #expect(limiter.keyCount == 0)
        #expect(limiter.statistics.idleBucketsRemoved == 10)
    }

    @Test func bucketStillRefillingIsKept() {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.limit, maximumKeyCount: 64, clock: clock)
        _ = limiter.consume(key: 1)
        _ = limiter.consume(key: 1)
        // Drained at 0 s: full again only at +20 s, so with no idle allowance it stays until then.
        clock.advance(by: .seconds(19))
        #expect(limiter.removeIdleBuckets(idleFor: .zero, at: clock.now) == 0)
        // One token has come back since; a bucket removed and recreated would have two.
        #expect(limiter.consume(key: 1).remainingTokens == 0)
    }

    @Test func removedBucketComesBackFull() {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.limit, maximumKeyCount: 64, clock: clock)
        _ = limiter.consume(key: 1)
        clock.advance(by: .seconds(10))
        #expect(limiter.removeIdleBuckets(idleFor: .zero, at: clock.now) == 1)
        #expect(limiter.consume(key: 1).remainingTokens == Self.limit.capacity - 1)
    }

    @Test func oneStepVisitsAtMostTheSetsItIsGiven() {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.limit, maximumKeyCount: 8 * 100, clock: clock)
        for key in 0..<400 { _ = limiter.consume(key: key) }
        clock.advance(by: .seconds(10))
        // One set holds at most eight keys, so one set's visit removes at most eight.
        #expect(limiter.removeIdleBuckets(idleFor: .zero, at: clock.now, setLimit: 1) <= 8)
        // Steps continue where the last one stopped: 100 single-set steps cover the table once.
        for _ in 0..<99 { limiter.removeIdleBuckets(idleFor: .zero, at: clock.now, setLimit: 1) }
        #expect(limiter.keyCount == 0)
    }

    @Test func cleanupTaskRunsOnTheLimitersClockAndStopsWhenCancelled() async throws {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.limit, maximumKeyCount: 64, clock: clock)
        for key in 0..<10 { _ = limiter.consume(key: key) }
        let cleanup = Task { try await limiter.runCleanup(every: .seconds(1), idleFor: .seconds(5)) }
        await clock.waitForSleepers(count: 1)
        // Full at +10 s, idle for 5 s at +15 s; the table (8 sets) is covered every 5 steps.
        for _ in 0..<14 {
            clock.advance(by: .seconds(1))
            await clock.waitForSleepers(count: 1)
        }
        #expect(limiter.keyCount == 10)
        for _ in 0..<5 {
            clock.advance(by: .seconds(1))
            await clock.waitForSleepers(count: 1)
        }
        #expect(limiter.keyCount == 0)
        cleanup.cancel()
        await #expect(throws: CancellationError.self) { try await cleanup.value }
        #expect(clock.sleeperCount == 0)
    }
}
