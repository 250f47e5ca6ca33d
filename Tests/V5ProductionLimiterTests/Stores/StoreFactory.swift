import Testing
import V5ProductionLimiter

/// A fresh, empty store and the way to move its time: what every store gives the behavioural suite.
struct StoreUnderTest: Sendable {
    let store: any RateLimitStore
    /// Moves the store's clock forward; the suite never sleeps.
    let advance: @Sendable (Duration) async throws -> Void
}

/// How to make one kind of store for `StoreBehaviourTests`.
struct StoreFactory: Sendable, CustomTestStringConvertible {
    let name: String
    let make: @Sendable () async throws -> StoreUnderTest

    var testDescription: String { name }

    /// Memory in this process, on a `ManualClock`.
    static let inMemory = StoreFactory(name: "in-memory") {
        let clock = ManualClock()
        return StoreUnderTest(store: InMemoryStore(maximumKeyCount: 64, clock: clock)) { clock.advance(by: $0) }
    }

    /// Every store the behavioural suite runs against. A new store adds one line here (a Redis
    /// store: a factory that starts a throw-away redis-server and freezes its `TIME`).
    static let all: [StoreFactory] = [
        .inMemory,
    ]
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
}
