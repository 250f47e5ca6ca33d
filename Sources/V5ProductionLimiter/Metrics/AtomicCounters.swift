import Synchronization

/// A fixed row of atomic counters: what each metric family keeps, one counter per label value.
///
/// One relaxed atomic add per increment and no lock: the request path of a busy server must
/// not queue on its own bookkeeping. Relaxed is enough because a scrape needs each counter's
/// value, not an order between counters.
final class AtomicCounters: Sendable {
    // nonisolated(unsafe): the pointer is set once in init and freed in deinit; what threads
    // share are its elements, each an `Atomic`, which the compiler cannot see through a pointer.
    nonisolated(unsafe) private let counters: UnsafeMutablePointer<Atomic<Int>>
    /// How many counters the row holds.
    let count: Int

    /// `count` counters at zero.
    init(count: Int) {
        self.count = count
        counters = .allocate(capacity: count)
        for index in 0..<count { (counters + index).initialize(to: Atomic(0)) }
    }

    deinit {
        counters.deinitialize(count: count)
        counters.deallocate()
    }

    /// Adds `amount` to counter `index`.
    @inline(__always)
    func add(_ amount: Int, at index: Int) {
        counters[index].add(amount, ordering: .relaxed)
    }

    /// Counter `index`'s value now.
    func value(at index: Int) -> Int {
        counters[index].load(ordering: .relaxed)
    }
}
