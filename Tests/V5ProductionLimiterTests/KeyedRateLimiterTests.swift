import Synchronization
import Testing
import V5ProductionLimiter

private let start = MonotonicInstant(nanoseconds: 5_000_000_000)

private func limiter<Key>(capacity: Int, rate: Double = 1) throws -> KeyedRateLimiter<Key, ManualClock> {
    KeyedRateLimiter(limit: try BucketLimit(capacity: capacity, refillRatePerSecond: rate), clock: ManualClock())
}

/// Many keys, one limiter: independent buckets created on first use, each with its own limit.
@Suite struct KeyedRateLimiterTests {
    @Test func keysHaveIndependentBuckets() throws {
        let limiter: KeyedRateLimiter<String, ManualClock> = try limiter(capacity: 2)
        #expect(limiter.consume(key: "alice", at: start).isAllowed)
        #expect(limiter.consume(key: "alice", at: start).isAllowed)
        #expect(!limiter.consume(key: "alice", at: start).isAllowed)
        // Alice's exhaustion costs Bob nothing.
        let bob = limiter.consume(key: "bob", at: start)
        #expect(bob.isAllowed)
        #expect(bob.remainingTokens == 1)
    }

    @Test func createsABucketOnlyOnFirstUseOfAKey() throws {
        let limiter: KeyedRateLimiter<Int, ManualClock> = try limiter(capacity: 3)
        #expect(limiter.keyCount == 0)
        _ = limiter.consume(key: 1, at: start)
        _ = limiter.consume(key: 1, at: start)
        #expect(limiter.keyCount == 1)
        _ = limiter.consume(key: 2, at: start)
        #expect(limiter.keyCount == 2)
    }

    @Test func newBucketStartsFullAtItsFirstRequest() throws {
        let limiter: KeyedRateLimiter<Int, ManualClock> = try limiter(capacity: 2, rate: 1)
        // A key first seen late starts full, not with tokens "earned" since the limiter was made.
        let late = start + .seconds(100)
        #expect(limiter.consume(key: 7, at: late).remainingTokens == 1)
    }

    @Test func refillIsPerKey() throws {
        let limiter: KeyedRateLimiter<String, ManualClock> = try limiter(capacity: 1, rate: 1)
        #expect(limiter.consume(key: "a", at: start).isAllowed)
        #expect(limiter.consume(key: "b", at: start + .milliseconds(500)).isAllowed)
        #expect(limiter.consume(key: "a", at: start + .seconds(1)).isAllowed)
        #expect(!limiter.consume(key: "b", at: start + .seconds(1)).isAllowed)
        #expect(limiter.consume(key: "b", at: start + .milliseconds(1500)).isAllowed)
    }

    @Test func limitForKeyGivesEachKeyItsOwnLimit() throws {
        let premium = try BucketLimit(capacity: 5, refillRatePerSecond: 5)
        let standard = try BucketLimit(capacity: 2, refillRatePerSecond: 1)
        let limiter = KeyedRateLimiter<String, ManualClock>(clock: ManualClock()) { $0.hasPrefix("premium-") ? premium : standard }
        let premiumAdmitted = (0..<10).filter { _ in limiter.consume(key: "premium-1", at: start).isAllowed }
        let standardAdmitted = (0..<10).filter { _ in limiter.consume(key: "free-1", at: start).isAllowed }
        #expect(premiumAdmitted.count == 5)
        #expect(standardAdmitted.count == 2)
    }

    @Test func limitForKeyIsAskedOncePerNewKey() throws {
        let calls = Atomic<Int>(0)
        let limit = try BucketLimit(capacity: 10, refillRatePerSecond: 1)
        let limiter = KeyedRateLimiter<Int, ManualClock>(clock: ManualClock()) { _ in
            calls.add(1, ordering: .relaxed)
            return limit
        }
        for key in 0..<3 { for _ in 0..<5 { _ = limiter.consume(key: key, at: start) } }
        #expect(calls.load(ordering: .relaxed) == 3)
    }

    @Test func multiTokenCostIsCheckedAgainstTheKeysOwnLimit() throws {
        let limiter: KeyedRateLimiter<String, ManualClock> = try limiter(capacity: 4)
        #expect(try limiter.consume(3, key: "k", at: start).isAllowed)
        #expect(try !limiter.consume(2, key: "k", at: start).isAllowed)
        #expect(throws: RateLimitError.invalidCost(5, capacity: 4)) {
            try limiter.consume(5, key: "new", at: start)
        }
    }
}
