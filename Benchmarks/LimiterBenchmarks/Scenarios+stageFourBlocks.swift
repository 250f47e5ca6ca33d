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

    /// One dependent read at a random place in 32 MiB: the memory-latency floor under the
    /// million-key rows, which every keyed stage pays at least once per decision.
    ///
    /// Each index comes from the value read before it (a random cycle through the array), so
    /// the processor cannot overlap the misses as it can for independent lookups.
    static func randomReadIn32MiB(rounds: Int, operations: Int) -> Sample {
        let count = (32 << 20) / MemoryLayout<Int>.stride
        var generator = SystemRandomNumberGenerator()
        // Sattolo's shuffle: one cycle through every slot, so the chase never repeats early.
        var next = Array(0..<count)
        for index in stride(from: count - 1, to: 0, by: -1) {
            next.swapAt(index, Int.random(in: 0..<index, using: &generator))
        }
        return next.withUnsafeBufferPointer { table in
            measure(rounds: rounds, operations: operations) { operationCount in
                var position = 0
                for _ in 0..<operationCount { position = table[position] }
                blackHole(position)
            }
        }
    }
}
