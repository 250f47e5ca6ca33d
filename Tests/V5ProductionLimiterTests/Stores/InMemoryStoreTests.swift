import Testing
import TestSupport
@testable import V5ProductionLimiter

/// What only the in-memory store promises: all-or-nothing under threads, a bounded table.
@Suite struct InMemoryStoreTests {
    @Test func concurrentRequestsChargeEveryLimitOrNone() async throws {
        let store = InMemoryStore(clock: ManualClock())
        let wide = try RateLimit(name: "wide", 100, per: .seconds(3600))
        let narrow = try RateLimit(name: "narrow", 50, per: .seconds(3600))
        let request = try RateLimitRequest(key: "hot", limits: [wide, narrow])
        let admitted = await runOnThreads(8) { _ in
            (0..<100).filter { _ in store.decideNow(request).isAllowed }.count
        }
        #expect(admitted.reduce(0, +) == 50)
        // 750 refusals by the narrow limit must have left the wide one charged 50 times only.
        let wideAlone = store.decideNow(try RateLimitRequest(key: "hot", limits: [wide]))
        #expect(wideAlone.remaining == 49)
    }

    @Test func inspectionsBesideConcurrentDecisionsSeeEveryLimitChargedTogether() async throws {
        let store = InMemoryStore(clock: ManualClock())
        let wide = try RateLimit(name: "wide", 100, per: .seconds(3600))
        let narrow = try RateLimit(name: "narrow", 50, per: .seconds(3600))
        let request = try RateLimitRequest(key: "hot", limits: [wide, narrow])
        // Four threads decide while four inspect; time stands still, so nothing refills.
        let results = await runOnThreads(8) { index -> (admitted: Int, isConsistent: Bool) in
            guard index >= 4 else { return ((0..<100).filter { _ in store.decideNow(request).isAllowed }.count, true) }
            var previous = Int.max
            var isConsistent = true
            for _ in 0..<200 {
                let remaining = store.inspectNow(request).limits.map(\.remaining)
                // Both limits are charged under one lock: an inspection sees both charges or neither,
                // so the wide limit is always 50 above the narrow one, which never grows back.
                isConsistent = isConsistent && remaining[0] - remaining[1] == 50 && remaining[1] <= previous && remaining[1] >= 0
                previous = remaining[1]
            }
            return (0, isConsistent)
        }
        #expect(results.map(\.admitted).reduce(0, +) == 50)
        #expect(results.allSatisfy { $0.isConsistent })
        #expect(store.inspectNow(request).limits.map(\.remaining) == [50, 0])
    }

    @Test func inspectingAFloodOfUnseenKeysEvictsNothing() throws {
        // Room for 1,024 keys in sets of eight: 64 keys fit without evicting one another.
        let store = InMemoryStore(maximumKeyCount: 1024, clock: ManualClock())
        let limit = try RateLimit(name: "5/h", 5, per: .seconds(3600))
        for index in 0..<64 { _ = store.decideNow(try RateLimitRequest(key: "client-\(index)", limits: [limit], cost: 3)) }
        let before = store.statistics
        #expect(before.keyCount == 64)
        for index in 0..<10_000 { _ = store.inspectNow(try RateLimitRequest(key: "probe-\(index)", limits: [limit])) }
        #expect(store.statistics == before)
        // Every key that spent still has its state; a claimed slot would have evicted some.
        for index in 0..<64 {
            #expect(store.inspectNow(try RateLimitRequest(key: "client-\(index)", limits: [limit])).limits[0].remaining == 2)
        }
    }

    @Test func aFloodOfNewKeysEvictsButNeverGrowsTheTable() throws {
        let clock = ManualClock()
        let store = InMemoryStore(maximumKeyCount: 64, clock: clock)
        let limit = try RateLimit(name: "1/h", 1, per: .seconds(3600))
        for index in 0..<10_000 {
            #expect(store.decideNow(try RateLimitRequest(key: "junk-\(index)", limits: [limit])).isAllowed)
        }
        let statistics = store.statistics
        #expect(statistics.keyCount == 64)
        #expect(statistics.maximumKeyCount == 64)
        #expect(statistics.bucketsWithStateEvicted + statistics.fullBucketsEvicted == 10_000 - 64)
    }

    /// 500 keys taking turns through a table of 64, each request with eight limits named afresh
    /// (a policy set reloaded on every request, or a caller making limits up): the table keeps
    /// its 64 keys and each key at most eight limit states, so the store holds what it was made
    /// for, whatever the callers send.
    // The key count alone would not show states piling up beside a key whose limits keep changing.
    @Test func keysWhoseLimitsChangeOnEveryRequestKeepAtMostEightStatesEachInAFixedTable() throws {
        let store = InMemoryStore(maximumKeyCount: 64, clock: ManualClock())
        for index in 0..<5_000 {
            let limits = try (0..<8).map { try RateLimit(name: "l\(index)-\($0)", 1_000, per: .seconds(3600)) }
            #expect(store.decideNow(try RateLimitRequest(key: "key-\(index % 500)", limits: limits)).isAllowed)
        }
        let slots = (0..<store.maximumKeyCount).map { store.entries[$0] }
        #expect(store.statistics.keyCount == 64)
        #expect(slots.allSatisfy { $0.count <= RateLimitRequest.maximumLimitCount && $0.capacity <= 2 * RateLimitRequest.maximumLimitCount },
                "states per slot \(Set(slots.map(\.count))), capacities \(Set(slots.map(\.capacity)))")
        #expect(slots.map(\.count).reduce(0, +) <= 64 * RateLimitRequest.maximumLimitCount)
    }

    @Test func aKeyWhoseLimitsChangeKeepsTheStateOfTheLimitsItStillHas() throws {
        let store = InMemoryStore(clock: ManualClock())
        let kept = try RateLimit(name: "kept", 2, per: .seconds(60))
        let dropped = try RateLimit(name: "dropped", 5, per: .seconds(60))
        _ = store.decideNow(try RateLimitRequest(key: "a", limits: [kept, dropped]))
        #expect(store.decideNow(try RateLimitRequest(key: "a", limits: [kept])).remaining == 0)
    }

    @Test func aKeyKeepsAtMostEightLimitStatesDroppingTheSoonestForgettable() throws {
        let store = InMemoryStore(clock: ManualClock())
        let hourly = try RateLimit(name: "1/h", 1, per: .seconds(3600))
        #expect(store.decideNow(try RateLimitRequest(key: "a", limits: [hourly])).isAllowed)
        #expect(!store.decideNow(try RateLimitRequest(key: "a", limits: [hourly])).isAllowed)
        // Twenty more limits, each remembered for a day: the hour's state is the one to go.
        for index in 0..<20 {
            let daily = try RateLimit(name: "daily-\(index)", 1, per: .seconds(86_400))
            #expect(store.decideNow(try RateLimitRequest(key: "a", limits: [daily])).isAllowed)
        }
        #expect(store.decideNow(try RateLimitRequest(key: "a", limits: [hourly])).isAllowed)
        // The most recent daily limits are still held.
        let latest = try RateLimit(name: "daily-19", 1, per: .seconds(86_400))
        #expect(!store.decideNow(try RateLimitRequest(key: "a", limits: [latest])).isAllowed)
    }

    /// The attack on the cap above: a client cycling through more limited routes than a key keeps
    /// states would find each route's limit forgotten on every visit. Reserved room for as many
    /// limits as the client can meet, nothing is forgotten.
    @Test func aKeyWithRoomReservedForNineLimitsForgetsNoneOfThem() throws {
        let routes = try (0..<9).map { try RateLimit(name: "route\($0).1/h", 1, per: .seconds(3600)) }
        func admittedOverThreeCycles(_ store: InMemoryStore<ManualClock>) throws -> Int {
            var admitted = 0
            for _ in 0..<3 {
                for limit in routes where store.decideNow(try RateLimitRequest(key: "client", limits: [limit])).isAllowed { admitted += 1 }
            }
            return admitted
        }
        let reserved = InMemoryStore(clock: ManualClock())
        reserved.reserveLimitStates(perKey: 9)
        #expect(try admittedOverThreeCycles(reserved) == 9)
        // The default eight: every visit after the first cycle finds its route forgotten.
        #expect(try admittedOverThreeCycles(InMemoryStore(clock: ManualClock())) == 27)
        // Never fewer than a request's eight limits.
        let small = InMemoryStore(clock: ManualClock())
        small.reserveLimitStates(perKey: 2)
        #expect(small.limitStatesPerKey.load(ordering: .relaxed) == 8)
    }

    @Test func aClockSteppingBackNeverAdmitsMore() throws {
        let clock = ManualClock(startingAt: MonotonicInstant(nanoseconds: 1_000_000_000_000))
        let store = InMemoryStore(clock: clock)
        for algorithm in RateLimit.Algorithm.allCases {
            let limit = try RateLimit(name: "2/m", 2, per: .seconds(60), algorithm: algorithm)
            let request = try RateLimitRequest(key: algorithm.rawValue, limits: [limit])
            clock.set(to: MonotonicInstant(nanoseconds: 1_000_000_000_000))
            _ = store.decideNow(request)
            _ = store.decideNow(request)
            clock.set(to: MonotonicInstant(nanoseconds: 0))
            #expect(!store.decideNow(request).isAllowed, "\(algorithm)")
        }
    }
}

/// The sliding-window counter's documented worst case, attacked: never more than twice the limit
/// in any span of one window, and the timing attack that gets close to it does get close.
@Suite struct SlidingWindowWorstCaseTests {
    @Test func aClientTimingTheWindowBoundaryGetsAtMostTwiceTheLimit() throws {
        let store = InMemoryStore(clock: ManualClock())
        let limit = try RateLimit(name: "100/m", 100, per: .seconds(60), algorithm: .slidingWindow)
        let request = try RateLimitRequest(key: "attacker", limits: [limit])
        var admitted: [Int64] = []
        func send(at nanoseconds: Int64) {
            if store.decide(request, at: MonotonicInstant(nanoseconds: nanoseconds)).isAllowed { admitted.append(nanoseconds) }
        }
        // One request opens the window at 0; 99 arrive in its last 10 ms; then one every 10 ms.
        send(at: 0)
        for index in 0..<99 { send(at: 59_990_000_000 + Int64(index) * 1_000) }
        for index in 0..<12_000 { send(at: 60_000_000_000 + Int64(index) * 10_000_000) }
        var busiest = 0
        var start = 0
        for end in admitted.indices {
            while admitted[start] <= admitted[end] - 60_000_000_000 { start += 1 }
            busiest = max(busiest, end - start + 1)
        }
        #expect(busiest <= 200)
        #expect(busiest > 190, "the attack the walkthrough describes should come close to 2N; got \(busiest)")
    }
}
