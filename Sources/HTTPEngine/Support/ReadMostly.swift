import Synchronization

/// A value every loop reads on every request and something replaces rarely (a configuration
/// reload): each thread reads its `ThreadStripe`'s copy under that stripe's own lock, so reads
/// from different loops never write to one cache line.
///
/// One `Mutex` read by every loop was the rejected layout: each lock and unlock writes the lock
/// word, so two loops taking turns moved its cache line between cores on every request, and
/// now and then met at the lock (a futex wait and wake). An atomic reference was the other:
/// Swift has no safe atomic strong reference (a reader could load the old object as the writer
/// releases it). The price is on the writer's side: `replace` takes every stripe's lock in turn.
public final class ReadMostly<Value: Sendable>: @unchecked Sendable {
    // @unchecked: each stripe is a `Mutex` in raw memory (placed `ThreadStripe.stripeBytes`
    // apart, where `Mutex` itself cannot be padded), read and written only under its lock.

    @usableFromInline let stripes: UnsafeMutableRawPointer
    @usableFromInline let stride: Int
    /// Orders writers, so two replacements cannot leave stripes holding different values.
    private let writer = Mutex(())

    /// Every stripe holding `value`.
    public init(_ value: Value) {
        let size = MemoryLayout<Mutex<Value>>.size
        stride = (size + ThreadStripe.stripeBytes - 1) / ThreadStripe.stripeBytes * ThreadStripe.stripeBytes
        stripes = .allocate(byteCount: stride * ThreadStripe.count, alignment: ThreadStripe.stripeBytes)
        for index in 0..<ThreadStripe.count {
            (stripes + index * stride).bindMemory(to: Mutex<Value>.self, capacity: 1).initialize(to: Mutex(value))
        }
    }

    deinit {
        for index in 0..<ThreadStripe.count { stripe(index).deinitialize(count: 1) }
        stripes.deallocate()
    }

    /// The value, as the calling thread's stripe holds it.
    // Inlinable so each caller gets it specialised for its `Value`: generic across the module
    // boundary, every read instantiated the type's metadata at run time (1 % of stage 5's user time).
    @inlinable
    public var value: Value {
        withStripeLocked(ThreadStripe.current) { $0 }
    }

    /// Puts `newValue` in every stripe. A thread reads the old value until its stripe is
    /// reached, as a request that started just before the replacement would.
    public func replace(with newValue: Value) {
        writer.withLock { _ in
            for index in 0..<ThreadStripe.count {
                withStripeLocked(index) { $0 = newValue }
            }
        }
    }

    /// Runs `body` on stripe `index`'s value, holding that stripe's lock (announced to
    /// ThreadSanitizer, as `Locked` does, with the stripe's address).
    @inlinable
    func withStripeLocked<Result>(_ index: Int, _ body: (inout Value) -> Result) -> Result {
        stripe(index).pointee.withLock(announcedAt: stripes + index * stride, body)
    }

    @inlinable
    func stripe(_ index: Int) -> UnsafeMutablePointer<Mutex<Value>> {
        (stripes + index * stride).assumingMemoryBound(to: Mutex<Value>.self)
    }
}
