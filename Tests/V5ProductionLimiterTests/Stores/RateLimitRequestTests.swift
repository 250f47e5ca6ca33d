import Testing
import V5ProductionLimiter

/// A request no store could answer is refused when made, with a message naming what is wrong.
@Suite struct RateLimitRequestTests {
    static let limit = try! RateLimit(name: "10/s", 10, per: .seconds(1))

    @Test func costAboveAnyCapacityIsRefused() {
        #expect(throws: RateLimitError.invalidCost(11, capacity: 10)) { try RateLimitRequest(key: "a", limits: [Self.limit], cost: 11) }
        #expect(throws: RateLimitError.invalidCost(0, capacity: 10)) { try RateLimitRequest(key: "a", limits: [Self.limit], cost: 0) }
    }

    @Test func limitsMustBeFewAndDistinctlyNamed() throws {
        #expect(throws: RateLimitError.self) { try RateLimitRequest(key: "a", limits: []) }
        #expect(throws: RateLimitError.self) { try RateLimitRequest(key: "a", limits: [Self.limit, Self.limit]) }
        let many = try (0...RateLimitRequest.maximumLimitCount).map { try RateLimit(name: "l\($0)", 10, per: .seconds(1)) }
        #expect(throws: RateLimitError.self) { try RateLimitRequest(key: "a", limits: many) }
    }

    @Test(arguments: ["", "has space", "quote\"", String(repeating: "x", count: 65), "ünïcode"])
    func unsafeLimitNamesAreRefused(name: String) {
        #expect(throws: RateLimitError.invalidLimitName(name)) { try RateLimit(name: name, 1, per: .seconds(1)) }
    }

    @Test func aWindowMustBePositive() {
        #expect(throws: RateLimitError.invalidWindow(.zero)) { try RateLimit(name: "a", 1, per: .zero) }
        #expect(throws: RateLimitError.invalidWindow(.seconds(-1))) { try RateLimit(name: "a", 1, per: .seconds(-1)) }
    }

    @Test func aShareKeepsTheWindowAndAtLeastOneUnit() throws {
        let half = Self.limit.scaled(by: 0.5)
        #expect(half.capacity == 5 && half.window == Self.limit.window)
        #expect(Self.limit.scaled(by: 0.01).capacity == 1)
    }
}
