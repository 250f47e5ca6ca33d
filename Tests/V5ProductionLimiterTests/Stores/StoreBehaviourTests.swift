import Testing
import V5ProductionLimiter

/// The contract of `RateLimitStore`, run against every store in `StoreFactory.all`: the same
/// trace of requests and time steps must give the same decisions, to the nanosecond.
///
/// Windows and rates are whole milliseconds, so a store keeping time in microseconds (Redis
/// `TIME`) gives the same numbers as one keeping nanoseconds.
@Suite struct StoreBehaviourTests {
    @Test(arguments: StoreFactory.all)
    func admitsTheBurstThenRefusesWithTheExactWait(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        let limit = try Limits.tokenBucket("3/3s", 3, per: .seconds(3))
        var remaining: [Int] = []
        for _ in 0..<3 { remaining.append(try await subject.store.decide("a", [limit]).remaining) }
        #expect(remaining == [2, 1, 0])
        let refused = try await subject.store.decide("a", [limit])
        #expect(!refused.isAllowed)
        #expect(refused.retryAfter == .seconds(1))
        #expect(refused.resetAfter == .seconds(3))
        try await subject.advance(.milliseconds(999))
        #expect(try await !subject.store.decide("a", [limit]).isAllowed)
        try await subject.advance(.milliseconds(1))
        #expect(try await subject.store.decide("a", [limit]).isAllowed)
    }

    @Test(arguments: StoreFactory.all)
    func costSpendsSeveralUnitsAllOrNothing(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        let limit = try Limits.tokenBucket("5/5s", 5, per: .seconds(5))
        let first = try await subject.store.decide("a", [limit], cost: 3)
        #expect(first.isAllowed && first.remaining == 2)
        let tooDear = try await subject.store.decide("a", [limit], cost: 3)
        #expect(!tooDear.isAllowed)
        #expect(tooDear.remaining == 2)
        #expect(tooDear.retryAfter == .seconds(1))
        // The refused request took nothing: two units are still there.
        #expect(try await subject.store.decide("a", [limit], cost: 2).isAllowed)
        #expect(try await !subject.store.decide("a", [limit], cost: 1).isAllowed)
    }

    @Test(arguments: StoreFactory.all)
    func refusesWhenAnyLimitRefusesAndChargesNoLimit(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        let perSecond = try Limits.tokenBucket("2/s", 2, per: .seconds(1))
        let perHour = try Limits.tokenBucket("3/h", 3, per: .seconds(3600))
        let limits = [perSecond, perHour]
        var admitted: [Bool] = []
        for _ in 0..<3 { admitted.append(try await subject.store.decide("a", limits).isAllowed) }
        #expect(admitted == [true, true, false])
        try await subject.advance(.seconds(1))
        // Had the refusal charged the hourly limit, it would be spent now.
        let fourth = try await subject.store.decide("a", limits)
        #expect(fourth.isAllowed)
        #expect(fourth.limit == perHour && fourth.remaining == 0)
        let fifth = try await subject.store.decide("a", limits)
        #expect(!fifth.isAllowed)
        #expect(fifth.limit == perHour)
        // And the per-second limit was not charged by the hourly refusal either.
        let perSecondAlone = try await subject.store.decide("a", [perSecond])
        #expect(perSecondAlone.remaining == 0)
    }

    @Test(arguments: StoreFactory.all)
    func reportsTheRefusingLimitWithTheLongestWait(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        let fast = try Limits.tokenBucket("1/s", 1, per: .seconds(1))
        let slow = try Limits.tokenBucket("1/m", 1, per: .seconds(60))
        _ = try await subject.store.decide("a", [fast, slow])
        let refused = try await subject.store.decide("a", [fast, slow])
        #expect(refused.limit == slow)
        #expect(refused.retryAfter == .seconds(60))
    }

    @Test(arguments: StoreFactory.all)
    func keysAreIndependent(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        let limit = try Limits.tokenBucket("1/m", 1, per: .seconds(60))
        #expect(try await subject.store.decide("ip:192.0.2.1", [limit]).isAllowed)
        #expect(try await !subject.store.decide("ip:192.0.2.1", [limit]).isAllowed)
        #expect(try await subject.store.decide("ip:192.0.2.2", [limit]).isAllowed)
        #expect(try await subject.store.decide("key:192.0.2.1", [limit]).isAllowed)
    }

    @Test(arguments: StoreFactory.all)
    func slidingWindowWeighsThePreviousWindow(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        let limit = try Limits.slidingWindow("4/10s", 4, per: .seconds(10))
        for _ in 0..<4 { #expect(try await subject.store.decide("a", [limit]).isAllowed) }
        let refused = try await subject.store.decide("a", [limit])
        // Next window, 2.5 s in: the previous 4 weigh ⌈4 × 7.5 / 10⌉ = 3, so one more fits.
        #expect(refused.retryAfter == .milliseconds(12_500))
        #expect(refused.resetAfter == .seconds(20))
        try await subject.advance(.milliseconds(12_499))
        #expect(try await !subject.store.decide("a", [limit]).isAllowed)
        try await subject.advance(.milliseconds(1))
        let admitted = try await subject.store.decide("a", [limit])
        #expect(admitted.isAllowed && admitted.remaining == 0)
        try await subject.advance(.seconds(20))
        #expect(try await subject.store.decide("a", [limit]).remaining == 3)
    }

    typealias Step = (advance: Duration, key: String, cost: Int, isAllowed: Bool, remaining: Int, retryAfter: Duration)

    /// One trace through both algorithms, costs and two keys, over `traceLimits`; the decisions
    /// are worked out by hand.
    static let trace: [Step] = [
        (.zero, "a", 2, true, 2, .zero),                        // bucket 2 left, window 4
        (.zero, "a", 2, true, 0, .zero),                        // bucket 0, window 2
        (.zero, "a", 1, false, 0, .milliseconds(500)),          // the bucket refuses; the window is not charged
        (.milliseconds(500), "b", 4, true, 0, .zero),           // another key starts full
        (.zero, "a", 1, true, 0, .zero),                        // one unit refilled; window 1 left
        (.seconds(1), "a", 2, false, 1, .milliseconds(3_300)),  // t = 1.5: window 5 + 2 > 6; at 4.8 s the 5 weigh ⌈5 × 3.2 / 4⌉ = 4
        (.milliseconds(3_300), "a", 2, true, 0, .zero),         // t = 4.8: bucket full again; window 4 + 2 = 6
        (.zero, "a", 1, false, 0, .milliseconds(800)),          // window: at 5.6 s the 5 weigh ⌈5 × 2.4 / 4⌉ = 3, 3 + 2 + 1 = 6
    ]

    /// The limits of `trace`: the bucket refills one unit every 0.5 s; the window is 4 s long, starting at t = 0.
    static func traceLimits() throws -> [RateLimit] {
        [try Limits.tokenBucket("4/2s", 4, per: .seconds(2)), try Limits.slidingWindow("6/4s", 6, per: .seconds(4))]
    }

    @Test(arguments: StoreFactory.all)
    func sameTraceGivesTheseDecisions(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        let limits = try Self.traceLimits()
        let trace = Self.trace
        var decisions: [String] = []
        for step in trace {
            try await subject.advance(step.advance)
            let decision = try await subject.store.decide(step.key, limits, cost: step.cost)
            decisions.append("\(decision.isAllowed) \(decision.remaining) \(decision.retryAfter)")
        }
        #expect(decisions == trace.map { "\($0.isAllowed) \($0.remaining) \($0.retryAfter)" })
    }
}
