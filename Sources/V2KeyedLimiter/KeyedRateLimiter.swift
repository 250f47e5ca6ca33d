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
public final class KeyedRateLimiter<Key: Hashable & Sendable>: Sendable {
    private let buckets = Mutex<[Key: TokenBucket]>([:])
    private let limitForKey: @Sendable (Key) -> BucketLimit

    /// A limiter giving every key the same limit.
    public convenience init(limit: BucketLimit) {
        self.init(limitForKey: { _ in limit })
    }

    /// A limiter asking `limitForKey` for a key's limit once, when its bucket is created.
    ///
    /// The closure runs outside the lock, so it may be slow (say, a configuration lookup)
    /// without stalling other keys; it may run more than once for a new key under a race,
    /// and only one answer is kept.
    public init(limitForKey: @escaping @Sendable (Key) -> BucketLimit) {
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
            // Another thread may have created this key's bucket while we were unlocked; using
            // `default:` keeps theirs, so tokens it already spent are not handed out again.
            try spend(&buckets[key, default: newBucket])
        }
    }

    /// How many keys currently have a bucket.
    ///
    /// Grows with every distinct key and never shrinks: a stream of unique keys (say, spoofed
    /// client addresses) exhausts memory. Stage 3 bounds the count; stage 4 adds eviction.
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
