import V1TokenBucket
import V2KeyedLimiter
import V3RateLimitMiddleware

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
protocol SharedSubject: Sendable {
    init(capacity: Int, refillPerSecond: Double)
    func decide(key: UInt64, atNanoseconds nanoseconds: Int64) -> Bool
}

// Each stage is a separate module with its own types, so each gets a thin adapter here;
// adding stage N to every scenario means one adapter and one line in `main.swift`.

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
}

/// Stage 3: stage 2's limiter plus a bound on the number of keys (raised here above the
/// million-key scenario, so the bound's sweep is not what gets measured).
struct StageThreeSubject: SingleThreadSubject, SharedSubject {
    let limiter: V3RateLimitMiddleware.KeyedRateLimiter<UInt64>

    init(capacity: Int, refillPerSecond: Double) {
        limiter = .init(
            limit: try! .init(capacity: capacity, refillRatePerSecond: refillPerSecond),
            maximumKeyCount: 2_000_000
        )
    }

    func decide(key: UInt64, atNanoseconds nanoseconds: Int64) -> Bool {
        limiter.consume(key: key, at: .init(nanoseconds: nanoseconds)).isAllowed
    }

    func decideNow(key: UInt64) -> Bool {
        limiter.consume(key: key, at: .now()).isAllowed
    }
}
