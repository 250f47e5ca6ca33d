import HTTPEngine
import RedisClient
import RedisTestSupport
import Testing
@testable import V5ProductionLimiter

/// A fresh, empty store and the way to move its time: what every store gives the behavioural suite.
struct StoreUnderTest: Sendable {
    let store: any RateLimitStore
    /// Moves the store's clock forward; the suite never sleeps.
    let advance: @Sendable (Duration) async throws -> Void
    /// Steps the store's clock back, as a wall clock set back by an operator or NTP does.
    let stepBack: @Sendable (Duration) async throws -> Void
    /// How many keys the store holds state for (table slots, or Redis keys by `KEYS *`).
    let storedKeyCount: @Sendable () async throws -> Int
}

/// How to make one kind of store for `StoreBehaviourTests`.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> StoreUnderTest

    var testDescription: String { name }

    /// Memory in this process, on a `ManualClock`.
    static let inMemory = StoreFactory(name: "in-memory") {
        let clock = ManualClock()
        let store = InMemoryStore(maximumKeyCount: 64, clock: clock)
        return StoreUnderTest(store: store, advance: { clock.advance(by: $0) }, stepBack: { clock.set(to: clock.now.advanced(by: .zero - $0)) }, storedKeyCount: { store.statistics.keyCount })
    }

    /// A throw-away redis-server per test, its `TIME` replaced by a `ManualClock` the test moves.
    static let redis = StoreFactory(name: "redis") {
        let server = try await RedisServerProcess.start()
        let clock = ManualClock()
        let pool = RedisConnectionPool(
            address: RedisAddress(host: "127.0.0.1", port: server.port), eventLoopGroup: RedisStoreLoops.group,
            configuration: .patient
        )
        let store = RedisStore(pool: pool, keyPrefix: "test:", frozenMicroseconds: { clock.now.nanoseconds / 1000 })
        // The closure keeps the server alive for the test; it stops when the test lets go.
        return StoreUnderTest(
            store: store,
            advance: { duration in withExtendedLifetime(server) { clock.advance(by: duration) } },
            stepBack: { duration in withExtendedLifetime(server) { clock.set(to: clock.now.advanced(by: .zero - duration)) } },
            storedKeyCount: {
                let keys = try await pool.send(["KEYS", "*"])
                return try #require(keys.elements, "KEYS answered \(keys)").count
            }
        )
    }

    /// Every store the behavioural suite runs against; a new store adds one line here. Redis is
    /// left out, visibly, only where redis-server is missing and `CI` is not set.
    static let all: [StoreFactory] = RedisServerAvailability.shouldRun ? [.inMemory, .redis] : [.inMemory]
}

/// One event loop for every Redis store the tests make, started once.
enum RedisStoreLoops {
    static let group = try! EventLoopGroup(loopCount: 1)
}

/// Limits and requests the suite writes often.
enum Limits {
    static func tokenBucket(_ name: String, _ count: Int, per window: Duration) throws -> RateLimit {
        try RateLimit(name: name, count, per: window)
    }

    static func slidingWindow(_ name: String, _ count: Int, per window: Duration) throws -> RateLimit {
        try RateLimit(name: name, count, per: window, algorithm: .slidingWindow)
    }
}

extension RateLimitStore {
    /// Decides `cost` units of `limits` for `key`.
    func decide(_ key: String, _ limits: [RateLimit], cost: Int = 1) async throws -> StoreDecision {
        try await decide(RateLimitRequest(key: key, limits: limits, cost: cost))
    }

    /// Inspects `cost` units of `limits` for `key`.
    func inspect(_ key: String, _ limits: [RateLimit], cost: Int = 1) async throws -> StoreInspection {
        try await inspect(RateLimitRequest(key: key, limits: limits, cost: cost))
    }
}
