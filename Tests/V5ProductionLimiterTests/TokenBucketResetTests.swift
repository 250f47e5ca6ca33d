import Testing
import V5ProductionLimiter

private let start = MonotonicInstant(nanoseconds: 3_000_000_000)

/// The fields stage 3 added to decisions so responses can state the limit and when it resets.
@Suite struct TokenBucketResetTests {
    @Test func resetAfterIsTheTimeUntilTheBucketIsFullAgain() throws {
        let limit = try BucketLimit(capacity: 4, refillRatePerSecond: 2)
        var bucket = TokenBucket(limit: limit, now: start)
        let first = bucket.consume(at: start)
        #expect(first.resetAfter == .milliseconds(500))
        #expect(first.limit == limit)
        for _ in 0..<3 { _ = bucket.consume(at: start) }
        let refused = bucket.consume(at: start)
        #expect(!refused.isAllowed)
        #expect(refused.retryAfter == .milliseconds(500))
        #expect(refused.resetAfter == .seconds(2))
        // Refill is lazy, so reset shrinks with elapsed time even without a request in between.
        let later = bucket.consume(at: start + .milliseconds(1250))
        #expect(later.isAllowed)
        #expect(later.resetAfter == .milliseconds(1250))
    }

    @Test func resetAfterIsNeverShorterThanRetryAfter() throws {
        var random = SeededGenerator(state: 7)
        var bucket = TokenBucket(limit: try BucketLimit(capacity: 9, refillRatePerSecond: 0.7), now: start)
        var now = start
        for _ in 0..<2_000 {
            now = now + .milliseconds(Int64.random(in: 0...700, using: &random))
            let cost = Int.random(in: 1...9, using: &random)
            let decision = try bucket.consume(cost, at: now)
            #expect(decision.resetAfter >= decision.retryAfter)
            #expect(decision.resetAfter <= .nanoseconds(Int64((9 / 0.7 * 1e9).rounded(.up))))
        }
    }
}
