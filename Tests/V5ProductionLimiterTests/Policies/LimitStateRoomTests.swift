import Testing
@testable import V5ProductionLimiter

/// The limiter gives its store room for every limit a client can meet, when it starts and when
/// a reload brings more routes.
@Suite struct LimitStateRoomTests {
    @Test func theLimiterReservesStatesForEveryLimitAClientCanMeetAndAReloadOnlyRaisesThem() throws {
        let anonymous = RateLimitPolicy(name: "anonymous", limits: [try RateLimit(name: "anonymous.10s", 10, per: .seconds(1))])
        func routes(_ count: Int) throws -> [RoutePolicy] {
            try (0..<count).map { RoutePolicy(pathPrefix: "/r\($0)", policy: RateLimitPolicy(name: "route:/r\($0)", limits: [try RateLimit(name: "r\($0).1/h", 1, per: .seconds(3600))]), cost: 1) }
        }
        let store = InMemoryStore(clock: ManualClock())
        let limiter = PolicyRateLimitMiddleware(policies: try PolicySet(anonymous: anonymous, routes: try routes(12)), store: GuardedStore.inMemory(store), addressResolver: ClientAddressResolver(trustedProxies: []))
        #expect(store.limitStatesPerKey.load(ordering: .relaxed) == 13)
        limiter.replacePolicies(with: try PolicySet(anonymous: anonymous, routes: try routes(20)))
        #expect(store.limitStatesPerKey.load(ordering: .relaxed) == 21)
        // Fewer routes take no room away: the dropped routes' states are still in keys.
        limiter.replacePolicies(with: try PolicySet(anonymous: anonymous, routes: try routes(3)))
        #expect(store.limitStatesPerKey.load(ordering: .relaxed) == 21)
    }
}
