import Testing
import V5ProductionLimiter

/// The largest limits `RateLimit` accepts, at each end, through the in-memory store: its
/// arithmetic must neither trap (a trap ends the proxy) nor wrap into a wrong answer. (The Redis
/// store refuses these at configuration time: its script counts in doubles.)
@Suite struct ExtremeLimitTests {
    static let cases: [(name: String, capacity: Int, window: Duration)] = [
        ("2^53 over 140 years", 1 << 53, .seconds(140 * 365 * 86_400)),
        ("2^30 over 140 years", 1 << 30, .seconds(140 * 365 * 86_400)),
        ("one over 140 years", 1, .seconds(140 * 365 * 86_400)),
        ("a billion a second", 1_000_000_000, .seconds(1)),
    ]

    /// The whole capacity spent in one request, then one more unit: refused with a wait of at
    /// most two windows, and admitted once that wait has passed; the counts stay in range.
    // The sliding window multiplies a count (up to 2^53) by nanoseconds (up to 2^62): 64-bit
    // arithmetic would trap there, so it is done in 128 bits.
    @Test(arguments: RateLimit.Algorithm.allCases)
    func theLargestLimitsDecideWithoutOverflow(_ algorithm: RateLimit.Algorithm) throws {
        for (name, capacity, window) in Self.cases {
            let clock = ManualClock(startingAt: MonotonicInstant(nanoseconds: 1_000_000_000_000_000))
            let store = InMemoryStore(clock: clock)
            let limit = try RateLimit(name: "extreme", capacity, per: window, algorithm: algorithm)
            let whole = store.decideNow(try RateLimitRequest(key: "k", limits: [limit], cost: capacity))
            #expect(whole.isAllowed && whole.remaining == 0, "\(name), \(algorithm): \(whole)")
            let one = try RateLimitRequest(key: "k", limits: [limit])
            let refused = store.decideNow(one)
            #expect(!refused.isAllowed && refused.remaining == 0, "\(name), \(algorithm): \(refused)")
            #expect(refused.retryAfter > .zero && refused.retryAfter <= window * 2, "\(name), \(algorithm): retry after \(refused.retryAfter)")
            #expect(refused.resetAfter <= window * 2, "\(name), \(algorithm): reset after \(refused.resetAfter)")
            clock.advance(by: refused.retryAfter)
            let later = store.decideNow(one)
            #expect(later.isAllowed && (0..<capacity).contains(later.remaining), "\(name), \(algorithm): after the wait \(later)")
        }
    }
}
