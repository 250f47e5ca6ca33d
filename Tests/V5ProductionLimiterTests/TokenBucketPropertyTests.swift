import Testing
import V5ProductionLimiter

/// SplitMix64: a tiny seeded generator, so a failing schedule can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Properties that hold for random limits and request schedules, not just the chosen examples.
@Suite struct TokenBucketPropertyTests {
    /// Over any window of length t the bucket admits at most `capacity + rate·t` requests.
    @Test(arguments: 0..<40 as Range<UInt64>)
    func neverAdmitsMoreThanCapacityPlusRateTimesWindow(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        let capacity = Int.random(in: 1...20, using: &random)
        let rate = Double.random(in: 0.05...50, using: &random)
        var limiter = TokenBucket(
            limit: try BucketLimit(capacity: capacity, refillRatePerSecond: rate),
            now: MonotonicInstant(nanoseconds: 0)
        )
        // Bursty arrivals: mostly close together, sometimes long pauses, sometimes simultaneous.
        var now: Int64 = 0
        var admitted: [Int64] = []
        for _ in 0..<600 {
            now += [0, Int64.random(in: 0...5_000_000, using: &random), Int64.random(in: 0...2_000_000_000, using: &random)]
                .randomElement(using: &random)!
            if limiter.consume(at: MonotonicInstant(nanoseconds: now)).isAllowed { admitted.append(now) }
        }
        // Every window is checked in plain code and only the first excess is reported: an
        // `#expect` per window (up to 180,000 per seed) kept a cooperative thread busy for
        // seconds, and the async tests running alongside need those few threads.
        var excess: (count: Int, window: Double)?
        windows: for first in admitted.indices {
            for last in first..<admitted.count {
                let window = Double(admitted[last] - admitted[first]) / 1e9
                let count = last - first + 1
                // One billionth of a token of slack: TokenBucket.tolerance, for floating-point credit.
                if Double(count) > Double(capacity) + rate * window + 1e-9 {
                    excess = (count, window)
                    break windows
                }
            }
        }
        #expect(excess == nil, "seed \(seed): \(excess?.count ?? 0) admissions in \(excess?.window ?? 0) s")
    }

    /// A client that always waits exactly `retryAfter` sustains the refill rate.
    @Test(arguments: 0..<10 as Range<UInt64>)
    func clientWaitingRetryAfterSustainsTheRefillRate(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        let rate = Double.random(in: 0.5...100, using: &random)
        var limiter = TokenBucket(
            limit: try BucketLimit(capacity: 1, refillRatePerSecond: rate),
            now: MonotonicInstant(nanoseconds: 0)
        )
        var now = MonotonicInstant(nanoseconds: 0)
        var admissions = 0
        while now.nanoseconds < 10_000_000_000 {
            let decision = limiter.consume(at: now)
            if decision.isAllowed { admissions += 1 } else { now = now + decision.retryAfter }
        }
        let expected = 1 + rate * 10
        #expect(abs(Double(admissions) - expected) <= 1, "seed \(seed): \(admissions) vs \(expected)")
    }
}
