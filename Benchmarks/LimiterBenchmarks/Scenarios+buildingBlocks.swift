#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import V1TokenBucket

// The building blocks behind two design choices, measured so the comments that cite them can
// point here: time as integer nanoseconds rather than `Duration` (`MonotonicInstant`), and
// `Mutex` rather than `pthread_mutex_t` (stage 2's ThreadSanitizer annotations).
extension Scenarios {
    /// 1,024 instants a few microseconds apart, read from memory so the compiler cannot fold the
    /// difference of two neighbours into a constant step.
    private static func jitteredNanoseconds() -> [Int64] {
        var generator = SystemRandomNumberGenerator()
        var now = MonotonicInstant.now().nanoseconds
        return (0..<1_024).map { _ in
            now += Int64.random(in: 1_000...3_000, using: &generator)
            return now
        }
    }

    /// The refill step (`tokens = min(capacity, tokens + elapsed × rate)`) with time kept as
    /// `ContinuousClock.Instant`: the elapsed `Duration` as fractional seconds via `components`,
    /// which divides a 128-bit count of attoseconds by 10^18.
    static func elapsedTokensFromDuration(rounds: Int, operations: Int) -> Sample {
        let origin = ContinuousClock.now
        let instants = jitteredNanoseconds().map { origin + .nanoseconds($0) }
        return measure(rounds: rounds, operations: operations) { count in
            var tokens = 0.0
            for index in 0..<count {
                let (seconds, attoseconds) = (instants[(index + 1) & 1_023] - instants[index & 1_023]).components
                tokens = min(Double(capacity), tokens + (Double(seconds) + Double(attoseconds) * 1e-18) * refillPerSecond)
            }
            blackHole(tokens)
        }
    }

    /// The same with `Duration / Duration`, the other way to get seconds as a `Double`.
    static func elapsedTokensFromDurationRatio(rounds: Int, operations: Int) -> Sample {
        let origin = ContinuousClock.now
        let instants = jitteredNanoseconds().map { origin + .nanoseconds($0) }
        return measure(rounds: rounds, operations: operations) { count in
            var tokens = 0.0
            for index in 0..<count {
                tokens = min(Double(capacity), tokens + (instants[(index + 1) & 1_023] - instants[index & 1_023]) / .seconds(1) * refillPerSecond)
            }
            blackHole(tokens)
        }
    }

    /// The same with time as integer nanoseconds, as the stages keep it: subtract, multiply.
    static func elapsedTokensFromNanoseconds(rounds: Int, operations: Int) -> Sample {
        let instants = jitteredNanoseconds().map(MonotonicInstant.init(nanoseconds:))
        let tokensPerNanosecond = refillPerSecond / 1e9
        return measure(rounds: rounds, operations: operations) { count in
            var tokens = 0.0
            for index in 0..<count {
                let elapsed = instants[(index + 1) & 1_023].nanoseconds &- instants[index & 1_023].nanoseconds
                tokens = min(Double(capacity), tokens + Double(elapsed) * tokensPerNanosecond)
            }
            blackHole(tokens)
        }
    }

    /// One uncontended lock and unlock of a `Mutex`, the lock `KeyedRateLimiter` takes.
    static func mutexLockAndUnlock(rounds: Int, operations: Int) -> Sample {
        let counter = Mutex<Int>(0)
        let sample = measure(rounds: rounds, operations: operations) { count in
            for _ in 0..<count { counter.withLock { $0 &+= 1 } }
        }
        blackHole(counter.withLock { $0 })
        return sample
    }

    /// The same with `pthread_mutex_t`, which ThreadSanitizer understands without annotations.
    static func pthreadMutexLockAndUnlock(rounds: Int, operations: Int) -> Sample {
        // A pthread mutex must not move once initialized, so it lives in its own allocation
        // rather than in a Swift variable the compiler may copy.
        let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        defer {
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
        }
        var counter = 0
        let sample = measure(rounds: rounds, operations: operations) { count in
            for _ in 0..<count {
                pthread_mutex_lock(mutex)
                counter &+= 1
                pthread_mutex_unlock(mutex)
            }
        }
        blackHole(counter)
        return sample
    }
}
