import Synchronization
import ThreadSanitizerAnnotations

/// Many independent token buckets, one per key, created on first use and safe to share across threads.
///
/// Every bucket lives in one dictionary behind one `Mutex`. The alternatives, and why not (yet):
/// - An `actor` would also be safe, but every call becomes `async` and pays a hop onto the
///   actor's executor (a suspension, often a thread switch) for a decision that takes nanoseconds.
/// - Lock-free atomics per bucket need a compare-and-swap loop over two fields (tokens and
///   last refill) packed into one word, and still need a safe way to add new keys to the map.
/// - A lock held for one decision's arithmetic, never across an `await` or a call into user
///   code, is the simplest thing that is correct. Its cost is contention: all keys share it
///   (figures in `docs/benchmarks.md`). Stage 4 shards it.
///
/// Keys now come from the network, so the table is bounded by `maximumKeyCount`; see
/// `KeyedRateLimiter+bound.swift` for what happens when it is full.
public final class KeyedRateLimiter<Key: Hashable & Sendable>: Sendable {
    private let buckets = Mutex<[Key: TokenBucket]>([:])
    private let limitForKey: @Sendable (Key) -> BucketLimit
    /// The most keys that may have a bucket at once.
    public let maximumKeyCount: Int
    /// Nanoseconds of the earliest instant the full table may be swept again.
    // Only touched with the lock held, so relaxed ordering suffices; an `Atomic` rather than a
    // `var` because a stored `var` would cost the class its checked `Sendable` conformance.
    let earliestNextSweep = Atomic<Int64>(.min)
    /// Nanoseconds of the soonest instant a bucket could be full, and so dropped; a lower bound.
    // Lock-held and relaxed like `earliestNextSweep`.
    let earliestDroppable = Atomic<Int64>(.max)
    /// Requests refused for want of room; read without the lock, hence an atomic of its own.
    let capacityRejectionCount = Atomic<Int>(0)

    /// The default bound on keys: with keys of up to 256 bytes, at most about 40 MB of buckets.
    public static var defaultMaximumKeyCount: Int { 100_000 }

    /// A limiter giving every key the same limit.
    public convenience init(limit: BucketLimit, maximumKeyCount: Int = defaultMaximumKeyCount) {
        self.init(maximumKeyCount: maximumKeyCount, limitForKey: { _ in limit })
    }

    /// A limiter asking `limitForKey` for a key's limit once, when its bucket is created.
    ///
    /// The closure runs outside the lock, so it may be slow (say, a configuration lookup)
    /// without stalling other keys; it may run more than once for a new key under a race,
    /// and only one answer is kept.
    public init(maximumKeyCount: Int = defaultMaximumKeyCount, limitForKey: @escaping @Sendable (Key) -> BucketLimit) {
        precondition(maximumKeyCount > 0, "maximumKeyCount must be positive")
        self.maximumKeyCount = maximumKeyCount
        self.limitForKey = limitForKey
    }

    /// Takes one token from `key`'s bucket, creating a full bucket on first use.
    public func consume(key: Key, at now: MonotonicInstant) -> RateLimitDecision {
        withBucket(for: key, at: now) { $0.consume(at: now) }
    }

    /// Takes `cost` tokens from `key`'s bucket if that many are available; all or nothing.
    public func consume(_ cost: Int, key: Key, at now: MonotonicInstant) throws(RateLimitError) -> RateLimitDecision {
        try withBucket(for: key, at: now) { (bucket) throws(RateLimitError) in try bucket.consume(cost, at: now) }
    }

    /// Runs `spend` on `key`'s bucket under the lock, creating the bucket first if needed.
    private func withBucket<Failure: Error>(
        for key: Key,
        at now: MonotonicInstant,
        _ spend: (inout TokenBucket) throws(Failure) -> RateLimitDecision
    ) throws(Failure) -> RateLimitDecision {
        // Fast path: one hash lookup, and the bucket is mutated in place through its index
        // (copying it out and writing it back would cost a second lookup).
        let existing = try withLockedBuckets { (buckets) throws(Failure) -> RateLimitDecision? in
            guard let index = buckets.index(forKey: key) else { return nil }
            return try spend(&buckets.values[index])
        }
        if let existing { return existing }
        let newBucket = TokenBucket(limit: limitForKey(key), now: now)
        return try withLockedBuckets { (buckets) throws(Failure) in
            if buckets[key] == nil, buckets.count >= maximumKeyCount, !makeRoom(in: &buckets, at: now) {
                return refusalWhileFull(limit: newBucket.limit, at: now)
            }
            // Another thread may have created this key's bucket while we were unlocked; using
            // `default:` keeps theirs, so tokens it already spent are not handed out again.
            let decision = try spend(&buckets[key, default: newBucket])
            noteRefill(at: now, after: decision.resetAfter)
            return decision
        }
    }

    /// How many keys currently have a bucket.
    ///
    /// Grows with every distinct key up to `maximumKeyCount`; only buckets that have refilled
    /// completely are ever dropped, and only once the table is full. Stage 4 adds eviction.
    public var keyCount: Int {
        withLockedBuckets { $0.count }
    }

    /// `buckets.withLock`, with the critical section announced to ThreadSanitizer.
    private func withLockedBuckets<Result, Failure: Error>(
        _ body: (inout [Key: TokenBucket]) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let lockIdentity = Unmanaged.passUnretained(self).toOpaque()
        return try buckets.withLock { (buckets) throws(Failure) in
            ThreadSanitizer.acquire(lockIdentity)
            defer { ThreadSanitizer.release(lockIdentity) }
            return try body(&buckets)
        }
    }
}
