import Dispatch
import V1TokenBucket

/// Keeps a value alive so the optimizer cannot delete the loop that produced it.
///
/// `@_optimize(none)` as well as `@inline(never)`: with only the latter, the optimizer still sees
/// that the body ignores its argument, drops the argument, and then deletes a loop of pure
/// arithmetic (the elapsed-time rows measured 0.3 ns for work that takes several).
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// Median and spread of several timed rounds, in nanoseconds per operation.
struct Sample {
    var rounds: [Double]

    var median: Double {
        let sorted = rounds.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    var minimum: Double { rounds.min() ?? .nan }
    var maximum: Double { rounds.max() ?? .nan }
}

/// Runs `body(operations)` once to warm up, then `rounds` times, timing each.
///
/// Rounds rather than one long run: on a shared two-core machine a neighbour's burst
/// spoils a round, and the median ignores it.
func measure(rounds: Int, operations: Int, _ body: (Int) -> Void) -> Sample {
    body(operations / 10)
    var results: [Double] = []
    for _ in 0..<rounds {
        let start = MonotonicInstant.now().nanoseconds
        body(operations)
        results.append(Double(MonotonicInstant.now().nanoseconds - start) / Double(operations))
    }
    return Sample(rounds: results)
}

/// Like `measure`, but `threads` threads each run `body(operations)` at once; reports wall
/// time divided by the total number of operations (the cost of one decision to the system).
func measureConcurrently(threads: Int, rounds: Int, operations: Int, _ body: @Sendable (Int) -> Void) -> Sample {
    measure(rounds: rounds, operations: operations * threads) { total in
        DispatchQueue.concurrentPerform(iterations: threads) { _ in body(total / threads) }
    }
}
