// Shows why stage 2 exists. Four threads share one bucket with time frozen, so exactly
// `capacity` requests may pass. First without protection, then through `KeyedRateLimiter`.
import Dispatch
import Synchronization
import V2KeyedLimiter

let capacity = 400_000
let threads = 4
let attemptsPerThread = 200_000
let frozen = MonotonicInstant(nanoseconds: 0)
let limit = try BucketLimit(capacity: capacity, refillRatePerSecond: 1)

/// Runs `attempt` on `threads` threads at once and counts the admissions.
func admissions(_ attempt: @Sendable () -> Bool) -> Int {
    let total = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
        var mine = 0
        for _ in 0..<attemptsPerThread where attempt() { mine += 1 }
        total.add(mine, ordering: .relaxed)
    }
    return total.load(ordering: .relaxed)
}

// Swift 6 refuses to compile a plain `var` captured by concurrently running closures;
// `nonisolated(unsafe)` is the escape hatch that says "trust me". This is what it buys.
nonisolated(unsafe) var sharedBucket = TokenBucket(limit: limit, now: frozen)
let unprotected = admissions { sharedBucket.consume(at: frozen).isAllowed }

let limiter = KeyedRateLimiter<String>(limit: limit)
let protected = admissions { limiter.consume(key: "everyone", at: frozen).isAllowed }

print("\(threads) threads x \(attemptsPerThread) attempts, capacity \(capacity), time frozen")
print("unprotected TokenBucket: \(unprotected) admitted (\(unprotected - capacity) over capacity)")
print("KeyedRateLimiter:        \(protected) admitted (\(protected - capacity) over capacity)")
