import Synchronization
import V4LongRunningLimiter

/// The building blocks of a stage 4 decision, measured alone so its row can be explained:
/// the cheaper clock it can read, the hash every keyed decision computes, and the one atomic
/// instruction an admission costs.
extension Scenarios {
    /// One read of `CLOCK_MONOTONIC_COARSE` through stage 4's `CoarseMonotonicClock`.
    static func coarseClockRead(rounds: Int, operations: Int) -> Sample {
        let clock = CoarseMonotonicClock()
        return measure(rounds: rounds, operations: operations) { count in
            var sum: Int64 = 0
            for _ in 0..<count { sum &+= clock.now.nanoseconds }
            blackHole(sum)
        }
    }

    /// `UInt64.hashValue`: Swift's randomly seeded SipHash-1-3, what stages 2–4 hash keys with.
    static func hashOfOneWord(rounds: Int, operations: Int) -> Sample {
        measure(rounds: rounds, operations: operations) { count in
            var sum = 0
            for value in 0..<UInt64(count) { sum &+= value.hashValue }
            blackHole(sum)
        }
    }

    /// One uncontended compare-and-swap on a 64-bit word: what stage 4 pays per admission.
    static func compareAndSwap(rounds: Int, operations: Int) -> Sample {
        let word = Atomic<UInt64>(0)
        return measure(rounds: rounds, operations: operations) { count in
            var expected: UInt64 = 0
            for _ in 0..<count {
                let (_, original) = word.compareExchange(expected: expected, desired: expected &+ 1, ordering: .acquiringAndReleasing)
                expected = original &+ 1
            }
            blackHole(expected)
        }
    }
}
