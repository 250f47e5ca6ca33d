import Synchronization

/// Limits counted in this process: stage 4's evicting table, holding every limit of a key in
/// the key's slot, deciding all of them under the slot's set lock.
///
/// What is kept from stage 4: memory fixed up front (`BucketTable`, 16 bytes a key plus a side
/// array of the key's limit states), a new key always gets a slot by evicting the key with the
/// least state to lose, time from an injected `RateLimitClock` (so tests use `ManualClock`).
///
/// What changed, and why: stage 4 decided with one compare-and-swap on one word, no lock. With
/// several limits per key a request must charge all of them or none, and a compare-and-swap
/// covers one word. The rejected alternatives: charging limit by limit and refunding when a
/// later one refuses (a concurrent request sees the tentative charge and is refused for units
/// that are then given back), or a double-width compare-and-swap (two words at most, and every
/// read becomes a locked write). So a decision takes the lock of its key's set stripe (one of
/// up to 1,024), reads every limit, decides, and writes all or nothing before unlocking: the
/// in-memory equivalent of the Redis script, which runs alone on the server. Keys in different
/// stripes never wait for each other; one hot key serialises on its stripe, for about as long
/// as stage 4's compare-and-swap loop would have retried.
public final class InMemoryStore<StoreClock: RateLimitClock>: RateLimitStore, @unchecked Sendable {
    // @unchecked: `entries[slot]` is read and written only under the lock of the slot's set
    // (see `decide`), and the table and counters are atomics.

    /// The clock every decision reads.
    public let clock: StoreClock
    /// The clock's reading when the store was made; the table keeps time relative to it.
    let epoch: Int64
    let table: BucketTable
    /// The limit states of the key in each slot, `set × 8 + way`; replaced when the slot changes hands.
    let entries: UnsafeMutablePointer<[LimitEntry]>
    let metrics: any RateLimitMetrics
    /// Limit states a key keeps before it drops the soonest forgettable one: at least a request's
    /// eight, raised to as many as one client can meet (`reserveLimitStates(perKey:)`).
    let limitStatesPerKey = Atomic<Int>(RateLimitRequest.maximumLimitCount)
    let fullBucketsEvicted = Atomic<Int>(0)
    let bucketsWithStateEvicted = Atomic<Int>(0)

    /// The default table size, 2^16 keys: 1 MiB of table plus 8 bytes a key of side array.
    public static var defaultMaximumKeyCount: Int { 1 << 16 }

    /// A store with room for `maximumKeyCount` keys, deciding on `clock`, reporting to `metrics`.
    public init(maximumKeyCount: Int = defaultMaximumKeyCount, clock: StoreClock, metrics: any RateLimitMetrics = NoOpRateLimitMetrics()) {
        self.clock = clock
        self.epoch = clock.now.nanoseconds
        self.table = BucketTable(minimumKeyCount: maximumKeyCount)
        self.metrics = metrics
        entries = .allocate(capacity: table.capacity)
        entries.initialize(repeating: [], count: table.capacity)
    }

    deinit {
        entries.deinitialize(count: table.capacity)
        entries.deallocate()
    }

    /// The most keys the store holds: `maximumKeyCount` rounded up to a whole set of eight.
    public var maximumKeyCount: Int { table.capacity }

    /// Lets each key keep `count` limit states: as many as one client can meet across its
    /// policies, every route's limits included. Only ever raised (from eight): after a reload
    /// that drops routes, their states stay in keys until forgettable, and room taken away would
    /// make a key drop a state still in use.
    ///
    /// Why: a key that kept fewer states than the limits its client meets had to drop one to
    /// count another, and a client cycling through more limited routes than that found each
    /// route's limit forgotten and was admitted again on every visit. The cost is memory: a
    /// key's side array grows to this many entries (a limit and its state each) once its client
    /// has met them all.
    public func reserveLimitStates(perKey count: Int) {
        limitStatesPerKey.max(count, ordering: .relaxed)
    }

    /// Counts of what the table holds and has evicted.
    public var statistics: LimiterStatistics {
        LimiterStatistics(
            keyCount: table.occupiedSlotCount,
            maximumKeyCount: maximumKeyCount,
            fullBucketsEvicted: fullBucketsEvicted.load(ordering: .relaxed),
            bucketsWithStateEvicted: bucketsWithStateEvicted.load(ordering: .relaxed),
            idleBucketsRemoved: 0
        )
    }

    public func decide(_ request: RateLimitRequest) async throws(RateLimitStoreError) -> StoreDecision {
        decideNow(request)
    }

    /// The decision at the clock's current time; synchronous, because memory never fails.
    public func decideNow(_ request: RateLimitRequest) -> StoreDecision {
        decide(request, at: tableTime(clock.now))
    }

    /// The decision as if the clock read `instant`: for simulations and benchmarks that drive
    /// time themselves. `decide(_:)`, the protocol's call, always reads the store's own clock.
    public func decide(_ request: RateLimitRequest, at instant: MonotonicInstant) -> StoreDecision {
        decide(request, at: tableTime(instant))
    }

    /// `instant` as the table keeps time: nanoseconds since `epoch`, saturating.
    func tableTime(_ instant: MonotonicInstant) -> Int64 {
        let (difference, overflow) = instant.nanoseconds.subtractingReportingOverflow(epoch)
        if overflow { return instant.nanoseconds < epoch ? .min : .max }
        return difference
    }
}

/// One limit's state in a key's slot, found by the limit's value (a changed limit is a new one).
struct LimitEntry {
    var limit: RateLimit
    var state: LimitState
}
