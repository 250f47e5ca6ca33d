import Testing
import V5ProductionLimiter

/// The clock abstraction: what the limiter does when time stalls, steps back or leaps, and the
/// manual clock's own contract (sleepers wake when it reaches them, and cancellation ends a sleep).
@Suite struct ClockTests {
    static let limit = try! BucketLimit(capacity: 3, refillRatePerSecond: 1)

    @Test func limiterReadsItsOwnClock() {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.limit, clock: clock)
        for _ in 0..<3 { #expect(limiter.consume(key: 1).isAllowed) }
        #expect(!limiter.consume(key: 1).isAllowed)
        clock.advance(by: .seconds(1))
        #expect(limiter.consume(key: 1).isAllowed)
    }

    @Test func clockSteppingBackAnHourMintsNothing() {
        let clock = ManualClock(startingAt: MonotonicInstant(nanoseconds: 10_000_000_000_000))
        let start = clock.now
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.limit, clock: clock)
        for _ in 0..<3 { _ = limiter.consume(key: 1) }
        // What a wall clock does when NTP or an operator sets it back: the limiter is told an
        // earlier time. The bucket's debt looks longer, never shorter.
        clock.set(to: start + .seconds(-3600))
        #expect(!limiter.consume(key: 1).isAllowed)
        #expect(limiter.consume(key: 1).retryAfter > .seconds(3600))
        // Back to real time plus one second: exactly one token, as if the step had not happened.
        clock.set(to: start + .seconds(1))
        #expect(limiter.consume(key: 1).isAllowed)
        #expect(!limiter.consume(key: 1).isAllowed)
    }

    @Test func clockLeapingForwardRefillsAtMostOneBurst() {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.limit, clock: clock)
        for _ in 0..<3 { _ = limiter.consume(key: 1) }
        // A wall clock jumping a day ahead would refill every key at once: why the limiter reads
        // `CLOCK_MONOTONIC`. Even then the bucket holds at most its capacity.
        clock.advance(by: .seconds(86_400))
        let admitted = (0..<10).filter { _ in limiter.consume(key: 1).isAllowed }.count
        #expect(admitted == 3)
    }

    @Test func clockStandingStillMintsNothing() {
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: Self.limit, clock: ManualClock())
        let admitted = (0..<10_000).filter { _ in limiter.consume(key: 1).isAllowed }.count
        #expect(admitted == 3)
    }

    @Test func monotonicClockNeverGoesBackwards() {
        let clock = MonotonicClock()
        var previous = clock.now
        for _ in 0..<10_000 {
            let reading = clock.now
            #expect(reading >= previous)
            previous = reading
        }
    }

    @Test func coarseClockStaysWithinOneTickOfTheFineClock() {
        let coarse = CoarseMonotonicClock()
        let fine = MonotonicClock()
        let before = fine.now
        let reading = coarse.now
        let after = fine.now
        #expect(reading <= after)
        // The tick is read as it was last stored, so it may lag by a tick plus the update's delay.
        #expect(before.duration(to: reading) >= .zero - coarse.minimumResolution * 2)
    }

    @Test func manualSleeperWakesWhenTheClockReachesItsDeadline() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(5)) }
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .seconds(4))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await sleeper.value
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellingAManualSleepEndsItAtOnce() async {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(5)) }
        await clock.waitForSleepers(count: 1)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func sleepWithPastDeadlineReturnsAtOnce() async throws {
        let clock = ManualClock()
        try await clock.sleep(until: clock.now + .seconds(-1))
        #expect(clock.sleeperCount == 0)
    }
}

/// The table packs arrivals into 60 bits; it keeps time relative to the limiter's creation, so a
/// clock whose readings are far from zero still limits.
@Suite struct ClockOriginTests {
    @Test func clockReadingsFarFromZeroStillLimit() throws {
        // 2^62 ns is 146 years: beyond the 60-bit window if arrivals were kept as raw readings.
        let clock = ManualClock(startingAt: MonotonicInstant(nanoseconds: 1 << 62))
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: try BucketLimit(capacity: 3, refillRatePerSecond: 1), clock: clock)
        for _ in 0..<3 { #expect(limiter.consume(key: 1).isAllowed) }
        #expect(!limiter.consume(key: 1).isAllowed)
        clock.advance(by: .seconds(1))
        #expect(limiter.consume(key: 1).isAllowed)
        #expect(!limiter.consume(key: 1).isAllowed)
    }

    @Test func idleCleanupUsesTheSameTimeAsDecisions() throws {
        let clock = ManualClock(startingAt: MonotonicInstant(nanoseconds: 1 << 62))
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: try BucketLimit(capacity: 3, refillRatePerSecond: 1), clock: clock)
        _ = limiter.consume(key: 1)
        #expect(limiter.removeIdleBuckets(idleFor: .zero, at: clock.now) == 0)
        clock.advance(by: .seconds(1))
        #expect(limiter.removeIdleBuckets(idleFor: .zero, at: clock.now) == 1)
    }
}
