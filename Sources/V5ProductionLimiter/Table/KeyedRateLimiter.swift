import Synchronization

/// Many independent token buckets, one per key, in a fixed-size table that never takes a lock
/// to decide for a key it already holds.
///
/// Stage 3's limiter kept a `Dictionary` behind one `Mutex`: every core queued on that lock, the
/// table could not forget a bucket that was still refilling, and a flood of junk keys locked new
/// clients out. Stage 4 changes the storage, not the bucket math:
/// - each bucket is one 64-bit word (GCRA's theoretical arrival time, see `TokenBucket`),
///   updated with compare-and-swap; a refused request reads and writes nothing shared;
/// - the table is allocated once for `maximumKeyCount` keys (16 bytes each) and a new key
///   always gets a slot, by evicting the bucket with the least state to lose in its set
///   (`BucketTable.claim`); so memory is fixed and nobody is refused for lack of room;
/// - time comes from a `RateLimitClock` the limiter owns, so tests drive it with `ManualClock`.
///
/// Why not an `actor`, or sharded locks around dictionaries: both serialise decisions on the
/// same shard, which is exactly what a hot key (one big customer) does to a server. With one
/// atomic word per bucket, two cores deciding for the same key contend on one cache line
/// instead of on a lock, and two cores deciding for different keys do not contend at all.
public final class KeyedRateLimiter<Key: Hashable & Sendable, LimiterClock: RateLimitClock>: Sendable {
    /// The clock every decision and the cleanup task read.
    public let clock: LimiterClock
    /// The clock's reading when the limiter was made; the table keeps time relative to it, so
    /// its ±2^59 ns (18-year) window is centred on the limiter's life, wherever the clock's origin is.
    let epoch: Int64
    let table: BucketTable
    let limits: LimitRegistry
    /// Nil when every key has the same limit, number 1: new keys then skip the closure and the registry.
    let limitForKey: (@Sendable (Key) -> BucketLimit)?
    let fullBucketsEvicted = Atomic<Int>(0)
    let bucketsWithStateEvicted = Atomic<Int>(0)
    let idleBucketsRemoved = Atomic<Int>(0)
    /// The limit's number when one limit serves every key.
    static var singleLimitIndex: UInt8 { 1 }
    /// The next set the incremental cleanup visits.
    let cleanupCursor = Atomic<Int>(0)

    /// The default table size, 2^20 keys: 16 MiB, backed by memory only as keys arrive.
    public static var defaultMaximumKeyCount: Int { 1 << 20 }

    /// The largest `maximumKeyCount` whose table fits in `bytes`.
    public static func maximumKeyCount(fittingIn bytes: Int) -> Int {
        bytes / BucketTable.bytesPerKey / BucketTable.waysPerSet * BucketTable.waysPerSet
    }

    /// A limiter giving every key the same limit, reading time from `clock`.
    public init(limit: BucketLimit, maximumKeyCount: Int = defaultMaximumKeyCount, clock: LimiterClock) {
        self.clock = clock
        self.epoch = clock.now.nanoseconds
        self.table = BucketTable(minimumKeyCount: maximumKeyCount)
        self.limits = LimitRegistry()
        self.limitForKey = nil
        precondition(limits.index(for: limit) == Self.singleLimitIndex)
    }

    /// A limiter asking `limitForKey` for a key's limit when its bucket is created.
    ///
    /// The closure runs outside any lock and may run again for a key whose bucket was evicted.
    /// At most 255 distinct limits per limiter (a precondition); give each group its own limiter beyond that.
    public init(maximumKeyCount: Int = defaultMaximumKeyCount, clock: LimiterClock, limitForKey: @escaping @Sendable (Key) -> BucketLimit) {
        self.clock = clock
        self.epoch = clock.now.nanoseconds
        self.table = BucketTable(minimumKeyCount: maximumKeyCount)
        self.limits = LimitRegistry()
        self.limitForKey = limitForKey
    }

    /// The most keys the table holds: `maximumKeyCount` rounded up to a whole set of eight.
    public var maximumKeyCount: Int { table.capacity }

    /// Takes one token from `key`'s bucket at the clock's current time.
    @inlinable
    public func consume(key: Key) -> RateLimitDecision {
        consume(key: key, at: clock.now)
    }

    /// Takes one token from `key`'s bucket at `now`, creating a full bucket on first use.
    public func consume(key: Key, at now: MonotonicInstant) -> RateLimitDecision {
        do {
            return try decide(cost: 1, key: key, at: tableTime(now))
        } catch {
            preconditionFailure("a cost of 1 fits every capacity")
        }
    }

    /// Takes `cost` tokens from `key`'s bucket if that many are available; all or nothing.
    public func consume(_ cost: Int, key: Key, at now: MonotonicInstant) throws(RateLimitError) -> RateLimitDecision {
        try decide(cost: cost, key: key, at: tableTime(now))
    }

    /// Keys with a bucket right now; exact whenever no key is being added or removed.
    public var keyCount: Int { table.occupiedSlotCount }

    /// Counts of what the table holds and has evicted.
    public var statistics: LimiterStatistics {
        LimiterStatistics(
            keyCount: keyCount,
            maximumKeyCount: maximumKeyCount,
            fullBucketsEvicted: fullBucketsEvicted.load(ordering: .relaxed),
            bucketsWithStateEvicted: bucketsWithStateEvicted.load(ordering: .relaxed),
            idleBucketsRemoved: idleBucketsRemoved.load(ordering: .relaxed)
        )
    }

    /// `instant` as the table keeps time: nanoseconds since `epoch`, saturating.
    @inline(__always)
    func tableTime(_ instant: MonotonicInstant) -> Int64 {
        let (difference, overflow) = instant.nanoseconds.subtractingReportingOverflow(epoch)
        if overflow { return instant.nanoseconds < epoch ? .min : .max }
        return difference
    }
}
