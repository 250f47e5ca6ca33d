import Testing
import V5ProductionLimiter

/// Time from the hostile side, against every store: a clock that steps back, and a client that
/// times the sliding window's boundary. Each store guards these in its own code (the Redis store
/// in its script), so each is attacked, not the in-memory store alone.
extension StoreBehaviourTests {
    /// Two admitted, then the clock set back ten minutes: the next request is refused by both
    /// algorithms, with a wait of at most two windows (a sliding window's longest) that is
    /// honest: once it has passed, a request is admitted.
    // A store that took `now - last` as it came would see negative elapsed time: a token bucket
    // computing a refill from it, or a window index going back to an empty window, admits more.
    // One that only held its ground refused for the whole step: the bucket said "retry in
    // 630 s", and the window said 90 s and refused again then, for ten more minutes.
    @Test(arguments: StoreFactory.all)
    func aClockSteppingBackNeverAdmitsMore(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        // Far enough from zero that stepping back leaves the clock positive, as a real one is.
        try await subject.advance(.seconds(1_000))
        for limit in [try Limits.tokenBucket("2/m", 2, per: .seconds(60)), try Limits.slidingWindow("2/m.sw", 2, per: .seconds(60))] {
            #expect(try await subject.store.decide(limit.name, [limit]).isAllowed)
            #expect(try await subject.store.decide(limit.name, [limit]).isAllowed)
            try await subject.stepBack(.seconds(600))
            let refused = try await subject.store.decide(limit.name, [limit])
            #expect(!refused.isAllowed, "\(limit.name)")
            #expect(refused.retryAfter <= .seconds(120), "\(limit.name): retry after \(refused.retryAfter)")
            try await subject.advance(refused.retryAfter)
            #expect(try await subject.store.decide(limit.name, [limit]).isAllowed, "\(limit.name): refused after the wait it named")
        }
    }

    /// The timing attack the stage 5 walkthrough describes: one request opens a window, 99 arrive
    /// at its very end, then one every 100 ms. In no span of one window are more than twice the
    /// limit admitted, and the attack does come close to that.
    @Test(arguments: StoreFactory.all)
    func aClientTimingTheSlidingWindowBoundaryGetsAtMostTwiceTheLimit(_ factory: StoreFactory) async throws {
        let subject = try await factory.make()
        let limit = try Limits.slidingWindow("100/m", 100, per: .seconds(60))
        var admitted: [Duration] = []
        var now = Duration.zero
        func send() async throws {
            if try await subject.store.decide("attacker", [limit]).isAllowed { admitted.append(now) }
        }
        func wait(_ duration: Duration) async throws {
            try await subject.advance(duration)
            now += duration
        }
        try await send()
        try await wait(.milliseconds(59_990))
        for _ in 0..<99 { try await send() }
        try await wait(.milliseconds(10))
        for _ in 0..<1_200 {
            try await send()
            try await wait(.milliseconds(100))
        }
        var busiest = 0
        var start = 0
        for end in admitted.indices {
            while admitted[start] <= admitted[end] - .seconds(60) { start += 1 }
            busiest = max(busiest, end - start + 1)
        }
        #expect(busiest <= 200)
        #expect(busiest > 190, "the attack should come close to twice the limit; got \(busiest)")
    }
}
