#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import ThreadSanitizerAnnotations

/// Fixed-size storage for buckets: sets of eight slots, each slot two atomic 64-bit words.
///
/// A slot holds a key's *identity* (56 bits of its hash, plus the index of its limit in the low
/// byte; 0 means empty) and its bucket's *arrival*, the GCRA theoretical arrival time. A key's
/// hash picks one set; the key may live in any of that set's eight slots ("8-way
/// set-associative", like a CPU cache). Each set is one 64-byte line of identities followed by
/// one line of arrivals, so finding a key touches two cache lines.
///
/// Why this shape, and what was rejected:
/// - A `Dictionary` behind locks (stages 2–3) allocates per key, rehashes as it grows, and needs
///   the lock even to read. Here memory is allocated once (`mmap`, so untouched pages cost
///   nothing), and looking up or updating a key takes no lock at all.
/// - Storing the key itself would make slots variable-sized (a `String` may live on the heap)
///   and could not be compared atomically. Storing 56 bits of Swift's per-process randomly
///   seeded hash instead means two keys share a bucket only if they collide in those bits (the
///   set index comes from the hash's top bits, which the 56 include, so it adds none): about
///   8 × 2⁻³⁹ ≈ 1.5 × 10⁻¹¹ for each new key in a full table of 2²⁰ keys, about 7 × 10⁻⁶ that
///   some pair among a million keys held at once collides; an attacker cannot aim for it
///   without the seed.
/// - Writers that add or evict a key take the set's lock (a striped `Mutex`), so two threads
///   cannot both add the same new key and hand it two fresh buckets (stage 2's first-use race).
///   Decisions on keys already present never take it.
final class BucketTable: @unchecked Sendable {
    // @unchecked: the raw words are only touched through `Atomic`, and the locks guard
    // nothing but the writers' order; see the type's comment.

    /// Slots per set; one 64-byte cache line of identity words.
    static let waysPerSet = 8
    /// Bytes each key costs: an identity word and an arrival word.
    static let bytesPerKey = 16
    /// Identity bits that come from the hash; the low byte holds the limit's index.
    static let hashMask: UInt64 = ~0xFF

    /// Number of sets; the table holds `setCount × waysPerSet` keys.
    let setCount: Int
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let mappedByteCount: Int
    private let locks: UnsafeMutablePointer<PaddedMutex>
    private let lockMask: Int
    /// Slots holding a key: changed only by writers (under a set lock), read by anyone.
    private let occupied = Atomic<Int>(0)

    /// A table with room for at least `minimumKeyCount` keys, rounded up to whole sets.
    init(minimumKeyCount: Int) {
        precondition(minimumKeyCount > 0, "maximumKeyCount must be positive")
        // Beyond this the byte count overflows `Int`; no machine could map it anyway.
        precondition(minimumKeyCount <= Int.max / 64, "maximumKeyCount \(minimumKeyCount) is too large to map")
        setCount = (minimumKeyCount + Self.waysPerSet - 1) / Self.waysPerSet
        mappedByteCount = setCount * Self.waysPerSet * Self.bytesPerKey
        // Anonymous mappings arrive zeroed and are backed by memory only once touched, so a
        // large table costs nothing until keys arrive; all-zero bits are an empty slot
        // (`Atomic<UInt64>` is laid out exactly as a `UInt64`).
        #if canImport(Glibc)
        let flags = MAP_PRIVATE | MAP_ANONYMOUS
        #else
        let flags = MAP_PRIVATE | MAP_ANON
        #endif
        let mapped = mmap(nil, mappedByteCount, PROT_READ | PROT_WRITE, flags, -1, 0)
        guard let mapped, mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            fatalError("BucketTable: cannot map \(mappedByteCount) bytes for \(minimumKeyCount) keys")
        }
        #if canImport(Glibc)
        // Huge pages when the kernel allows them: a million random keys touch a million 4 KiB
        // pages, and without them most lookups also miss the TLB.
        _ = madvise(mapped, mappedByteCount, MADV_HUGEPAGE)
        #endif
        words = mapped.bindMemory(to: Atomic<UInt64>.self, capacity: setCount * 2 * Self.waysPerSet)
        // One lock per set would cost 64 bytes a set (padding against false sharing); a
        // thousand stripes already make two writers on one stripe rare.
        var lockCount = 1
        while lockCount < min(setCount, 1024) { lockCount <<= 1 }
        lockMask = lockCount - 1
        locks = .allocate(capacity: lockCount)
        for index in 0..<lockCount { (locks + index).initialize(to: PaddedMutex()) }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(words), mappedByteCount)
        locks.deinitialize(count: lockMask + 1)
        locks.deallocate()
    }

    /// Keys the table can hold.
    var capacity: Int { setCount * Self.waysPerSet }
    /// Bytes of key storage, allocated up front; pages are backed as keys touch them.
    var memoryBudget: Int { mappedByteCount }

    /// The set `hash` belongs to: its high bits scaled to `0..<setCount` (no modulo, no power of two).
    @inline(__always)
    func set(for hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash.multipliedFullWidth(by: UInt64(setCount)).high)
    }

    /// The slot in `set` whose identity carries `tag`, and that identity; nil if absent.
    @inline(__always)
    func find(tag: UInt64, inSet set: Int) -> (way: Int, identity: UInt64)? {
        let base = set &* (2 * Self.waysPerSet)
        for way in 0..<Self.waysPerSet {
            let identity = words[base &+ way].load(ordering: .acquiring)
            if identity != 0, identity & Self.hashMask == tag { return (way, identity) }
        }
        return nil
    }

    /// The identity word of a slot; 0 when empty.
    @inline(__always)
    func identity(set: Int, way: Int) -> UInt64 {
        words[set &* (2 * Self.waysPerSet) &+ way].load(ordering: .acquiring)
    }

    /// A slot's arrival word as stored: the arrival and a 4-bit generation (see `ArrivalWord`).
    @inline(__always)
    func arrivalWord(set: Int, way: Int) -> UInt64 {
        arrivalPointer(set: set, way: way).pointee.load(ordering: .acquiring)
    }

    /// Replaces a slot's arrival, keeping its generation, if the word still equals `expected`;
    /// else returns the word it holds now.
    ///
    /// Comparing the whole word, generation included, is what makes the swap safe against an
    /// eviction in between: a new key's first arrival can equal the old key's to the nanosecond
    /// (a stalled or coarse clock makes that common), but its generation differs.
    @inline(__always)
    func exchangeArrival(set: Int, way: Int, expected: UInt64, desired: Int64) -> (exchanged: Bool, current: UInt64) {
        let replacement = ArrivalWord.packing(desired, generation: ArrivalWord.generation(of: expected))
        let (exchanged, original) = arrivalPointer(set: set, way: way).pointee.compareExchange(
            expected: expected, desired: replacement, ordering: .acquiringAndReleasing
        )
        return (exchanged, original)
    }

    @inline(__always)
    private func arrivalPointer(set: Int, way: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        words + (set &* (2 * Self.waysPerSet) &+ Self.waysPerSet &+ way)
    }

    private func identityWord(set: Int, way: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        words + (set &* (2 * Self.waysPerSet) &+ way)
    }

    /// Runs `body` holding the lock that orders writers of `set`.
    func withSetLocked<Result>(_ set: Int, _ body: () -> Result) -> Result {
        let lock = locks + (set & lockMask)
        return lock.pointee.mutex.withLock { _ in
            // Mutex's futex path is invisible to ThreadSanitizer; say what it orders.
            ThreadSanitizer.acquire(UnsafeMutableRawPointer(lock))
            defer { ThreadSanitizer.release(UnsafeMutableRawPointer(lock)) }
            return body()
        }
    }

    /// Puts a new key in `set`, evicting the slot with the earliest arrival. Set lock held.
    ///
    /// The earliest arrival is the bucket with the least state to lose: an empty slot first,
    /// then a full bucket (its arrival is in the past; dropping it changes no decision), then the
    /// bucket nearest to full. This is what least-recently-used approximates, measured in
    /// tokens rather than time: a key drained a minute ago at a slow rate may owe more than one
    /// used an hour ago at a fast one.
    ///
    /// The identity is cleared before the new arrival is written and set after it, so a reader
    /// that sees the new identity also sees the new arrival, and a reader that loaded the old
    /// identity notices the change when it checks again (see `KeyedRateLimiter.decide`).
    func claim(set: Int, identity: UInt64, arrival: Int64, now: Int64) -> Eviction {
        var victim = 0
        var victimArrival = Int64.max
        var eviction = Eviction.none
        for way in 0..<Self.waysPerSet {
            if identityWord(set: set, way: way).pointee.load(ordering: .relaxed) == 0 {
                victim = way
                eviction = .none
                break
            }
            let candidate = ArrivalWord.arrival(of: arrivalPointer(set: set, way: way).pointee.load(ordering: .relaxed))
            if candidate < victimArrival {
                victim = way
                victimArrival = candidate
                eviction = candidate <= now ? .fullBucket : .bucketWithState
            }
        }
        let previous = arrivalPointer(set: set, way: victim).pointee.load(ordering: .relaxed)
        let generation = ArrivalWord.generation(of: previous) &+ 1
        identityWord(set: set, way: victim).pointee.store(0, ordering: .releasing)
        // A new generation, so a decision still holding the evicted key's word cannot swap into
        // the new key's bucket even if the two arrivals are equal.
        arrivalPointer(set: set, way: victim).pointee.store(ArrivalWord.packing(arrival, generation: generation), ordering: .releasing)
        identityWord(set: set, way: victim).pointee.store(identity, ordering: .releasing)
        if eviction == .none { occupied.add(1, ordering: .relaxed) }
        return eviction
    }

    /// Empties the slots of `set` whose arrival is at or before `cutoff`; returns how many. Set lock held.
    ///
    /// The identity is cleared first and the arrival then swapped out with compare-and-swap: a
    /// lock-free decision that spent from the bucket since we looked makes the swap fail, and
    /// the identity is put back, so that spending is never lost. A decision that comes after
    /// the swap finds a new generation, a word it did not load, fails its own swap, and sees the
    /// cleared identity.
    func removeArrivals(atOrBefore cutoff: Int64, inSet set: Int) -> Int {
        var removed = 0
        for way in 0..<Self.waysPerSet {
            let identity = identityWord(set: set, way: way).pointee.load(ordering: .relaxed)
            guard identity != 0 else { continue }
            let observed = arrivalWord(set: set, way: way)
            guard ArrivalWord.arrival(of: observed) <= cutoff else { continue }
            identityWord(set: set, way: way).pointee.store(0, ordering: .releasing)
            let retired = ArrivalWord.packing(ArrivalWord.earliest, generation: ArrivalWord.generation(of: observed) &+ 1)
            let (exchanged, _) = arrivalPointer(set: set, way: way).pointee.compareExchange(
                expected: observed, desired: retired, ordering: .acquiringAndReleasing
            )
            if exchanged {
                removed += 1
                occupied.subtract(1, ordering: .relaxed)
            } else {
                identityWord(set: set, way: way).pointee.store(identity, ordering: .releasing)
            }
        }
        return removed
    }

    /// How many slots hold a key: a counter kept by the writers, so reading it costs one load
    /// (a metrics scrape must not walk a table of millions of slots).
    var occupiedSlotCount: Int { occupied.load(ordering: .relaxed) }

    /// What a new key displaced.
    enum Eviction {
        /// Nothing: the slot was empty.
        case none
        /// A bucket that had refilled completely: no decision changes.
        case fullBucket
        /// A bucket still refilling: its key starts over with a full bucket if it returns.
        case bucketWithState
    }
}

/// A `Mutex` alone on its cache line, so threads locking neighbouring stripes do not slow each other.
struct PaddedMutex: ~Copyable {
    let mutex = Mutex(())
    private let padding: (Int64, Int64, Int64, Int64, Int64, Int64, Int64) = (0, 0, 0, 0, 0, 0, 0)
}
