import Synchronization
import ThreadSanitizerAnnotations

extension Mutex where Value: Sendable {
    /// `withLock`, with the critical section announced to ThreadSanitizer under `address`, which
    /// names this lock.
    ///
    /// `Mutex` hands a contended lock over in the kernel (a futex), which ThreadSanitizer cannot
    /// see, so without the annotations it reports races between two threads that took turns
    /// properly. The one home of the pattern for the engine's locks: `Locked` (the object's
    /// address), `ReadMostly`'s stripes, `SingleWaiter` and the request context.
    @inlinable
    func withLock<Result, Failure: Error>(
        announcedAt address: UnsafeMutableRawPointer,
        _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try withLock { (value) throws(Failure) -> Result in
            ThreadSanitizer.acquire(address)
            defer { ThreadSanitizer.release(address) }
            return try body(&value)
        }
    }
}
