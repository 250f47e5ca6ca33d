import V1TokenBucket
import V2KeyedLimiter
import V3RateLimitMiddleware
import V4LongRunningLimiter
import V5ProductionLimiter

/// A limiter driven from one thread, one key: every stage can play this part.
protocol SingleThreadSubject {
    /// A limiter with a fixed capacity and refill rate.
    init(capacity: Int, refillPerSecond: Double)
    /// One decision for `key` at the given instant.
    mutating func decide(key: UInt64, atNanoseconds nanoseconds: Int64) -> Bool
    /// One decision for `key`, reading the stage's own clock.
    mutating func decideNow(key: UInt64) -> Bool
}

/// A limiter shared by threads and keyed: stage 2 onwards.
///
/// Only `init(capacity:refillPerSecond:)` and `decide` are required; the memory and key-flood
/// commands use the other members, whose defaults suit a stage that has no key bound and cannot
/// count its keys, so a new stage overrides only what it has.
protocol SharedSubject: Sendable {
    init(capacity: Int, refillPerSecond: Double)
    /// A limiter keeping at most `maximumKeyCount` keys, for stages whose table has a bound.
    init(capacity: Int, refillPerSecond: Double, maximumKeyCount: Int)
    func decide(key: UInt64, atNanoseconds nanoseconds: Int64) -> Bool
    /// One decision for `key`, telling a full key table apart from an empty bucket.
    func decideWithOutcome(key: UInt64, atNanoseconds nanoseconds: Int64) -> DecisionOutcome
    /// How many keys hold a bucket now; nil when the stage cannot say.
    var keyCount: Int? { get }
    /// Whether `init(capacity:refillPerSecond:maximumKeyCount:)` honours its bound.
    static var boundsKeyCount: Bool { get }
}

/// What became of one decision, in the terms every stage can map onto.
enum DecisionOutcome {
    /// Admitted.
    case allowed
    /// Refused: the key's bucket lacked tokens.
    case limited
    /// Refused: the key had no bucket and the table had no room for one.
    case atCapacity
}

extension SharedSubject {
    // A stage without a bound grows its table instead; the flood shows what that costs.
    init(capacity: Int, refillPerSecond: Double, maximumKeyCount: Int) {
        self.init(capacity: capacity, refillPerSecond: refillPerSecond)
    }

    func decideWithOutcome(key: UInt64, atNanoseconds nanoseconds: Int64) -> DecisionOutcome {
        decide(key: key, atNanoseconds: nanoseconds) ? .allowed : .limited
    }

    var keyCount: Int? { nil }

    static var boundsKeyCount: Bool { false }
}

// Each stage is a separate module with its own types, so each gets a thin adapter here;
// adding stage N to every scenario (timed rows, memory per key, key flood, chart) means one
// adapter here and one line in `Stages.swift`.

/// Stage 1: one `TokenBucket`; it has no keys, so the key is ignored.
struct StageOneSubject: SingleThreadSubject {
    var bucket: V1TokenBucket.TokenBucket

    init(capacity: Int, refillPerSecond: Double) {
        let limit = try! V1TokenBucket.BucketLimit(capacity: capacity, refillRatePerSecond: refillPerSecond)
        bucket = .init(limit: limit, now: .now())
    }

    mutating func decide(key: UInt64, atNanoseconds nanoseconds: Int64) -> Bool {
        bucket.consume(at: .init(nanoseconds: nanoseconds)).isAllowed
    }

    mutating func decideNow(key: UInt64) -> Bool {
        bucket.consume(at: .now()).isAllowed
    }
}

/// Stage 2: `KeyedRateLimiter` behind one `Mutex`.
struct StageTwoSubject: SingleThreadSubject, SharedSubject {
    let limiter: V2KeyedLimiter.KeyedRateLimiter<UInt64>

    init(capacity: Int, refillPerSecond: Double) {
        limiter = .init(limit: try! .init(capacity: capacity, refillRatePerSecond: refillPerSecond))
    }

    func decide(key: UInt64, atNanoseconds nanoseconds: Int64) -> Bool {
        limiter.consume(key: key, at: .init(nanoseconds: nanoseconds)).isAllowed
    }

    func decideNow(key: UInt64) -> Bool {
        limiter.consume(key: key, at: .now()).isAllowed
    }

    var keyCount: Int? { limiter.keyCount }
}

/// Stage 3: stage 2's limiter plus a bound on the number of keys (raised by default above the
/// million-key scenario, so the bound's sweep is not what gets measured; the key flood passes
/// its own bound).
struct StageThreeSubject: SingleThreadSubject, SharedSubject {
    let limiter: V3RateLimitMiddleware.KeyedRateLimiter<UInt64>

    init(capacity: Int, refillPerSecond: Double) {
        self.init(capacity: capacity, refillPerSecond: refillPerSecond, maximumKeyCount: 2_000_000)
    }

    init(capacity: Int, refillPerSecond: Double, maximumKeyCount: Int) {
        limiter = .init(
            limit: try! .init(capacity: capacity, refillRatePerSecond: refillPerSecond),
            maximumKeyCount: maximumKeyCount
        )
    }

    func decide(key: UInt64, atNanoseconds nanoseconds: Int64) -> Bool {
        limiter.consume(key: key, at: .init(nanoseconds: nanoseconds)).isAllowed
    }

    func decideNow(key: UInt64) -> Bool {
        limiter.consume(key: key, at: .now()).isAllowed
    }

    func decideWithOutcome(key: UInt64, atNanoseconds nanoseconds: Int64) -> DecisionOutcome {
        switch limiter.consume(key: key, at: .init(nanoseconds: nanoseconds)).outcome {
        case .allowed: .allowed
        case .limited: .limited
        case .limiterAtCapacity: .atCapacity
        }
    }

    var keyCount: Int? { limiter.keyCount }

    static var boundsKeyCount: Bool { true }
}

/// Stage 4: the lock-free table of fixed size (2^21 keys, 32 MiB, by default: room for the
/// million-key scenario without evicting), reading `MonotonicClock` when it reads the time itself.
struct StageFourSubject: SingleThreadSubject, SharedSubject {
    let limiter: V4LongRunningLimiter.KeyedRateLimiter<UInt64, V4LongRunningLimiter.MonotonicClock>

    init(capacity: Int, refillPerSecond: Double) {
        self.init(capacity: capacity, refillPerSecond: refillPerSecond, maximumKeyCount: 1 << 21)
    }

    init(capacity: Int, refillPerSecond: Double, maximumKeyCount: Int) {
        limiter = .init(
            limit: try! .init(capacity: capacity, refillRatePerSecond: refillPerSecond),
            maximumKeyCount: maximumKeyCount,
            clock: .init()
        )
    }

    func decide(key: UInt64, atNanoseconds nanoseconds: Int64) -> Bool {
        limiter.consume(key: key, at: .init(nanoseconds: nanoseconds)).isAllowed
    }

    func decideNow(key: UInt64) -> Bool {
        limiter.consume(key: key).isAllowed
    }

    // One atomic load: the table counts its keys as writers add and remove them.
    var keyCount: Int? { limiter.keyCount }

    static var boundsKeyCount: Bool { true }
}

/// Stage 4 reading `CoarseMonotonicClock` (the kernel's last tick): the amortised clock read.
struct StageFourCoarseClockSubject: SingleThreadSubject {
    let limiter: V4LongRunningLimiter.KeyedRateLimiter<UInt64, V4LongRunningLimiter.CoarseMonotonicClock>

    init(capacity: Int, refillPerSecond: Double) {
        limiter = .init(limit: try! .init(capacity: capacity, refillRatePerSecond: refillPerSecond), maximumKeyCount: 1 << 10, clock: .init())
    }

    func decide(key: UInt64, atNanoseconds nanoseconds: Int64) -> Bool {
        limiter.consume(key: key, at: .init(nanoseconds: nanoseconds)).isAllowed
    }

    func decideNow(key: UInt64) -> Bool {
        limiter.consume(key: key).isAllowed
    }
}

/// Stage 5: the in-memory store (stage 4's table, every limit of a key under its set's lock),
/// one token-bucket limit, the key as a decimal string as a request would carry it.
struct StageFiveSubject: SingleThreadSubject, SharedSubject {
    let store: V5ProductionLimiter.InMemoryStore<V5ProductionLimiter.MonotonicClock>
    let limits: [V5ProductionLimiter.RateLimit]

    init(capacity: Int, refillPerSecond: Double) {
        self.init(capacity: capacity, refillPerSecond: refillPerSecond, maximumKeyCount: 1 << 21)
    }

    init(capacity: Int, refillPerSecond: Double, maximumKeyCount: Int) {
        store = .init(maximumKeyCount: maximumKeyCount, clock: .init())
        limits = [.init(defaultFor: try! .init(capacity: capacity, refillRatePerSecond: refillPerSecond))]
    }

    func decide(key: UInt64, atNanoseconds nanoseconds: Int64) -> Bool {
        store.decide(request(for: key), at: .init(nanoseconds: nanoseconds)).isAllowed
    }

    func decideNow(key: UInt64) -> Bool {
        store.decideNow(request(for: key)).isAllowed
    }

    private func request(for key: UInt64) -> V5ProductionLimiter.RateLimitRequest {
        try! .init(key: String(key), limits: limits)
    }

    var keyCount: Int? { store.statistics.keyCount }

    static var boundsKeyCount: Bool { true }
}
