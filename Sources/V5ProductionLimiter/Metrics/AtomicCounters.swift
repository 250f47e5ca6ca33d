import HTTPEngine
import Synchronization

/// A fixed row of atomic counters: what each metric family keeps, one counter per label value.
///
/// One relaxed atomic add per increment and no lock: the request path of a busy server must
/// not queue on its own bookkeeping. Relaxed is enough because a scrape needs each counter's
/// value, not an order between counters.
///
/// Each `ThreadStripe` has a row of its own and a counter's value is the sum of its rows: with
/// one row, every loop's add wrote the same cache line, which then moved between cores on
/// every request. A scrape adds up `ThreadStripe.count` rows, which it can afford.
final class AtomicCounters: Sendable {
    // nonisolated(unsafe): the pointer is set once in init and freed in deinit; what threads
    // share are its elements, each an `Atomic`, which the compiler cannot see through a pointer.
    nonisolated(unsafe) private let counters: UnsafeMutablePointer<Atomic<Int>>
    /// How many counters the row holds.
    let count: Int
    /// Counters from one stripe's row to the next: `count` rounded up to whole stripes' bytes.
    private let rowStride: Int

    /// `count` counters at zero.
    init(count: Int) {
        self.count = count
        let perStripe = ThreadStripe.stripeBytes / MemoryLayout<Atomic<Int>>.stride
        rowStride = (count + perStripe - 1) / perStripe * perStripe
        let total = rowStride * ThreadStripe.count
        counters = UnsafeMutableRawPointer.allocate(byteCount: total * MemoryLayout<Atomic<Int>>.stride, alignment: ThreadStripe.stripeBytes)
            .bindMemory(to: Atomic<Int>.self, capacity: total)
        for index in 0..<total { (counters + index).initialize(to: Atomic(0)) }
    }

    deinit {
        counters.deinitialize(count: rowStride * ThreadStripe.count)
        counters.deallocate()
    }

    /// Adds `amount` to counter `index`, in the calling thread's row.
    @inline(__always)
    func add(_ amount: Int, at index: Int) {
        counters[ThreadStripe.current * rowStride + index].add(amount, ordering: .relaxed)
    }

    /// Counter `index`'s value now: the sum of its rows.
    func value(at index: Int) -> Int {
        var sum = 0
        for stripe in 0..<ThreadStripe.count { sum &+= counters[stripe * rowStride + index].load(ordering: .relaxed) }
        return sum
    }
}
