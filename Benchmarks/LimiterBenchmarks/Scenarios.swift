import V1TokenBucket

/// The scenarios every stage is measured with; each returns nanoseconds per decision.
enum Scenarios {
    /// Generous limits: at a billion tokens a second every decision is an admission (the common
    /// case in production) whether instants are passed in or read, and refill math runs on every call.
    static let capacity = 1_000
    static let refillPerSecond = 1_000_000_000.0
    static let step: Int64 = 2_000

    /// The floor: one read of `CLOCK_MONOTONIC`, which every real decision needs.
    static func clockRead(rounds: Int, operations: Int) -> Sample {
        measure(rounds: rounds, operations: operations) { count in
            var sum: Int64 = 0
            for _ in 0..<count { sum &+= MonotonicInstant.now().nanoseconds }
            blackHole(sum)
        }
    }

    /// For comparison: `ContinuousClock.now`, the clock Swift offers first.
    static func continuousClockRead(rounds: Int, operations: Int) -> Sample {
        let clock = ContinuousClock()
        return measure(rounds: rounds, operations: operations) { count in
            var latest = clock.now
            for _ in 0..<count { latest = max(latest, clock.now) }
            blackHole(latest)
        }
    }

    /// One key, one thread, the instant passed in: the decision's own cost.
    static func oneKeyInstantPassedIn<Subject: SingleThreadSubject>(_: Subject.Type, rounds: Int, operations: Int) -> Sample {
        var subject = Subject(capacity: capacity, refillPerSecond: refillPerSecond)
        var now = MonotonicInstant.now().nanoseconds
        return measure(rounds: rounds, operations: operations) { count in
            var admitted = 0
            for _ in 0..<count {
                now &+= step
                if subject.decide(key: 1, atNanoseconds: now) { admitted &+= 1 }
            }
            blackHole(admitted)
        }
    }

    /// One key, one thread, reading the clock for every decision: what a server pays.
    static func oneKeyWithClockRead<Subject: SingleThreadSubject>(_: Subject.Type, rounds: Int, operations: Int) -> Sample {
        var subject = Subject(capacity: capacity, refillPerSecond: refillPerSecond)
        return measure(rounds: rounds, operations: operations) { count in
            var admitted = 0
            for _ in 0..<count where subject.decideNow(key: 1) { admitted &+= 1 }
            blackHole(admitted)
        }
    }

    /// A million distinct keys in random order: hashing and cache misses dominate.
    static func millionRandomKeys<Subject: SharedSubject>(_: Subject.Type, rounds: Int, operations: Int) -> Sample {
        let subject = Subject(capacity: capacity, refillPerSecond: refillPerSecond)
        var generator = SystemRandomNumberGenerator()
        let keys = (0..<(1 << 20)).map { _ in UInt64.random(in: 0..<1_000_000, using: &generator) }
        var now = MonotonicInstant.now().nanoseconds
        // Create every bucket first so the rounds measure steady state, not first use.
        for key in 0..<UInt64(1_000_000) { _ = subject.decide(key: key, atNanoseconds: now) }
        return measure(rounds: rounds, operations: operations) { count in
            var admitted = 0
            for index in 0..<count {
                now &+= step
                if subject.decide(key: keys[index & (keys.count - 1)], atNanoseconds: now) { admitted &+= 1 }
            }
            blackHole(admitted)
        }
    }

    /// Two threads deciding for the same key: the lock is contended on every call.
    static func twoThreadsOneKey<Subject: SharedSubject>(_: Subject.Type, rounds: Int, operations: Int) -> Sample {
        twoThreadsDeciding(for: Subject(capacity: capacity, refillPerSecond: refillPerSecond), rounds: rounds, operations: operations)
    }

    /// Two threads deciding for one key whose bucket is empty: every decision is a refusal.
    ///
    /// What a flood from one client costs. A stage that refuses without writing shared memory
    /// lets both cores read the bucket's cache line at once; one that locks makes them take turns.
    static func twoThreadsOneKeyMostlyRejected<Subject: SharedSubject>(_: Subject.Type, rounds: Int, operations: Int) -> Sample {
        // One token, refilled once in 10^6 s: spent by the warm-up, never back during the run.
        twoThreadsDeciding(for: Subject(capacity: 1, refillPerSecond: 1e-6), rounds: rounds, operations: operations)
    }

    /// Two threads deciding for key 1 of `subject` at once, each with its own advancing instant.
    private static func twoThreadsDeciding<Subject: SharedSubject>(for subject: Subject, rounds: Int, operations: Int) -> Sample {
        measureConcurrently(threads: 2, rounds: rounds, operations: operations) { count in
            var admitted = 0
            var now = MonotonicInstant.now().nanoseconds
            for _ in 0..<count {
                now &+= 2 * step
                if subject.decide(key: 1, atNanoseconds: now) { admitted &+= 1 }
            }
            blackHole(admitted)
        }
    }
}
