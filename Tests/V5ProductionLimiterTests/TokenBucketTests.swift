import Testing
import V5ProductionLimiter

/// An arbitrary origin: tests only care about distances between instants.
private let start = MonotonicInstant(nanoseconds: 1_000_000_000_000)

private func bucket(capacity: Int, rate: Double) throws -> TokenBucket {
    TokenBucket(limit: try BucketLimit(capacity: capacity, refillRatePerSecond: rate), now: start)
}

/// One bucket at chosen instants: capacity, proportional refill, and rounding over long runs.
@Suite struct TokenBucketTests {
    @Test func startsFullAndAdmitsExactlyCapacityRequestsAtOneInstant() throws {
        var limiter = try bucket(capacity: 5, rate: 1)
        let decisions = (0..<7).map { _ in limiter.consume(at: start) }
        #expect(decisions.map(\.isAllowed) == [true, true, true, true, true, false, false])
        #expect(decisions.map(\.remainingTokens) == [4, 3, 2, 1, 0, 0, 0])
    }

    @Test func refillsInProportionToElapsedTime() throws {
        var limiter = try bucket(capacity: 10, rate: 2)
        for _ in 0..<10 { _ = limiter.consume(at: start) }
        // 1.5 s at 2 tokens/s earns 3 tokens.
        let later = start + .milliseconds(1500)
        #expect(limiter.availableTokens(at: later) == 3)
        let admitted = (0..<5).filter { _ in limiter.consume(at: later).isAllowed }.count
        #expect(admitted == 3)
    }

    @Test func refillNeverExceedsCapacity() throws {
        var limiter = try bucket(capacity: 3, rate: 100)
        _ = limiter.consume(at: start)
        let muchLater = start + .seconds(60)
        #expect(limiter.availableTokens(at: muchLater) == 3)
        let admitted = (0..<10).filter { _ in limiter.consume(at: muchLater).isAllowed }.count
        #expect(admitted == 3)
    }

    @Test func fractionalRateEarnsOneTokenEveryTwoSeconds() throws {
        var limiter = try bucket(capacity: 1, rate: 0.5)
        #expect(limiter.consume(at: start).isAllowed)
        #expect(!limiter.consume(at: start + .milliseconds(1999)).isAllowed)
        #expect(limiter.consume(at: start + .seconds(2)).isAllowed)
        #expect(!limiter.consume(at: start + .seconds(3)).isAllowed)
        #expect(limiter.consume(at: start + .seconds(4)).isAllowed)
    }

    @Test func manySmallStepsAddUpToWholeTokensDespiteRounding() throws {
        // 0.01 tokens/s credited every 10 ms: 10,000 tiny, inexact increments that, summed in
        // floating point, land just under one token at exactly 100 s.
        var limiter = try bucket(capacity: 1, rate: 0.01)
        #expect(limiter.consume(at: start).isAllowed)
        var now = start
        for _ in 0..<9_999 {
            now = now + .milliseconds(10)
            #expect(!limiter.consume(at: now).isAllowed)
        }
        #expect(limiter.consume(at: start + .seconds(100)).isAllowed)
    }

    @Test func veryLongIdleGapRefillsToCapacityWithoutOverflow() throws {
        var limiter = TokenBucket(
            limit: try BucketLimit(capacity: 4, refillRatePerSecond: 1_000_000),
            now: MonotonicInstant(nanoseconds: .min)
        )
        for _ in 0..<4 { _ = limiter.consume(at: MonotonicInstant(nanoseconds: .min)) }
        let farFuture = MonotonicInstant(nanoseconds: .max)
        let decision = limiter.consume(at: farFuture)
        #expect(decision.isAllowed)
        #expect(decision.remainingTokens == 3)
    }

    @Test func clockStandingStillEarnsNothing() throws {
        var limiter = try bucket(capacity: 2, rate: 1)
        _ = limiter.consume(at: start)
        _ = limiter.consume(at: start)
        for _ in 0..<1000 {
            #expect(!limiter.consume(at: start).isAllowed)
        }
    }

    @Test func clockStepsBackwardMintsNoTokensAndCreditsNoIntervalTwice() throws {
        var limiter = try bucket(capacity: 2, rate: 1)
        _ = limiter.consume(at: start)
        _ = limiter.consume(at: start)
        let earlier = start + .seconds(-30)
        #expect(!limiter.consume(at: earlier).isAllowed)
        #expect(limiter.theoreticalArrival == start + .seconds(2))
        // Back at the original instant plus one second: exactly one token was earned, not thirty-one.
        let oneSecondLater = start + .seconds(1)
        #expect(limiter.consume(at: oneSecondLater).isAllowed)
        #expect(!limiter.consume(at: oneSecondLater).isAllowed)
    }

    @Test func retryAfterIsExactlyTheTimeUntilTheDeficitIsRefilled() throws {
        var limiter = try bucket(capacity: 3, rate: 4)
        for _ in 0..<3 { _ = limiter.consume(at: start) }
        let denied = limiter.consume(at: start + .milliseconds(100))
        // 0.4 tokens after 100 ms; 0.6 missing at 4 tokens/s is 150 ms.
        #expect(!denied.isAllowed)
        #expect(denied.retryAfter == .milliseconds(150))
        #expect(!limiter.consume(at: start + .milliseconds(249)).isAllowed)
        #expect(limiter.consume(at: start + .milliseconds(250)).isAllowed)
    }

    @Test func waitingExactlyRetryAfterAlwaysSucceeds() throws {
        var limiter = try bucket(capacity: 2, rate: 3)
        var now = start
        for step in 0..<200 {
            var decision = limiter.consume(at: now)
            while decision.isAllowed { decision = limiter.consume(at: now) }
            #expect(decision.retryAfter > .zero, "step \(step)")
            now = now + decision.retryAfter
            #expect(limiter.consume(at: now).isAllowed, "step \(step)")
        }
    }

    @Test func multiTokenCostIsAllOrNothing() throws {
        var limiter = try bucket(capacity: 10, rate: 1)
        #expect(try limiter.consume(7, at: start).isAllowed)
        let denied = try limiter.consume(4, at: start)
        #expect(!denied.isAllowed)
        #expect(denied.remainingTokens == 3)
        #expect(denied.retryAfter == .seconds(1))
        #expect(try limiter.consume(3, at: start).isAllowed)
    }

    @Test func allowedDecisionHasNoRetryAfter() throws {
        var limiter = try bucket(capacity: 1, rate: 1)
        #expect(limiter.consume(at: start).retryAfter == .zero)
    }
}
