// Shows why stage 2 exists. Four threads share one bucket with time frozen, so exactly
// `capacity` requests may pass. First without protection, then through `KeyedRateLimiter`;
// five trials of each, because a race comes out differently every time.
import Dispatch
import Foundation
import Synchronization
import V2KeyedLimiter

let capacity = 100_000
let threadCount = 4
let attemptsPerThread = 200_000
let trials = 5
/// How often a thread gives its core away in the middle of a decision (see below).
let yieldEvery = 1_000
let frozen = MonotonicInstant(nanoseconds: 0)
let limit = try BucketLimit(capacity: capacity, refillRatePerSecond: 1)

/// Runs `attempt` on `threadCount` threads released together, and counts the admissions.
final class Race: Sendable {
    private let ready = Atomic<Int>(0)
    private let admitted = Atomic<Int>(0)

    /// Calls `attempt(n)` for n in `0..<attemptsPerThread` on every thread; returns the admissions.
    ///
    /// Every thread waits at a start line until all of them exist. Without it, starting a thread
    /// takes long enough that the first is often done before the last begins, the threads barely
    /// overlap, and nothing is lost: an earlier version of this demo, started with
    /// `DispatchQueue.concurrentPerform`, showed no lost update in 9 of 24 runs on a 2-core machine.
    func run(_ attempt: @escaping @Sendable (Int) -> Bool) -> Int {
        let finished = DispatchGroup()
        for _ in 0..<threadCount {
            finished.enter()
            Thread {
                self.ready.add(1, ordering: .acquiringAndReleasing)
                // Spin rather than block: a blocked thread wakes up microseconds after the others,
                // which is the stagger the start line removes.
                while self.ready.load(ordering: .acquiring) < threadCount {}
                var mine = 0
                for attemptNumber in 0..<attemptsPerThread where attempt(attemptNumber) { mine += 1 }
                self.admitted.add(mine, ordering: .relaxed)
                finished.leave()
            }.start()
        }
        finished.wait()
        return admitted.load(ordering: .relaxed)
    }
}

/// Whether this attempt is one where the thread gives its core away mid-decision.
func isPreempted(_ attemptNumber: Int) -> Bool {
    attemptNumber % yieldEvery == yieldEvery - 1
}

/// One table cell: admissions, and how many of them exceeded the capacity.
func describe(_ admitted: Int) -> String {
    "\(admitted) admitted (\(admitted - capacity) over)"
}

print("\(threadCount) threads x \(attemptsPerThread) attempts, capacity \(capacity), time frozen, \(trials) trials")
print("trial  unprotected TokenBucket         KeyedRateLimiter")
var unprotectedResults: [Int] = []
var protectedResults: [Int] = []
for trial in 1...trials {
    // Swift 6 refuses to compile a plain `var` captured by concurrently running closures;
    // `nonisolated(unsafe)` is the escape hatch that says "trust me". This is what it buys.
    nonisolated(unsafe) var sharedBucket = TokenBucket(limit: limit, now: frozen)
    let unprotected = Race().run { attemptNumber in
        // `sharedBucket.consume(at:)` spelled out: read the bucket, decide, write it back. A thread
        // can be preempted between the read and the write, and when it resumes it writes back a
        // stale count, undoing every spend other threads made meanwhile. On a quiet machine with
        // a core per thread, threads collide often enough by themselves; on a busy 2-core machine
        // they rarely run at the same instant and some trials lost nothing, so now and then the
        // thread gives its core away exactly there, as a preemption would. That widens the window;
        // it does not create the race, which is the unlocked read-modify-write.
        var bucket = sharedBucket
        let decision = bucket.consume(at: frozen)
        if isPreempted(attemptNumber) { sched_yield() }
        sharedBucket = bucket
        return decision.isAllowed
    }
    unprotectedResults.append(unprotected)

    let limiter = KeyedRateLimiter<String>(limit: limit)
    let protected = Race().run { attemptNumber in
        let decision = limiter.consume(key: "everyone", at: frozen)
        // The same preemptions, for a fair comparison. Here they can only fall between decisions:
        // the read and the write happen under the lock, so a resumed thread has nothing stale.
        if isPreempted(attemptNumber) { sched_yield() }
        return decision.isAllowed
    }
    protectedResults.append(protected)

    print("\(trial)".padding(toLength: 7, withPad: " ", startingAt: 0)
          + describe(unprotected).padding(toLength: 32, withPad: " ", startingAt: 0)
          + describe(protected))
}
print("over capacity, min...max: unprotected \(unprotectedResults.min()! - capacity)...\(unprotectedResults.max()! - capacity), "
      + "KeyedRateLimiter \(protectedResults.min()! - capacity)...\(protectedResults.max()! - capacity)")
