import Synchronization

/// A `Mutex`-protected value whose critical sections are announced to ThreadSanitizer, for
/// handlers and middleware that share state across event loops.
///
/// `Mutex` hands a contended lock over inside the kernel, which TSan cannot see, so it
/// would report every access under the lock as a race; the object's address marks the lock.
/// (A `pthread_mutex_t`, which TSan understands, was the rejected alternative: slower uncontended.)
public final class Locked<Value: Sendable>: Sendable {
    @usableFromInline let mutex: Mutex<Value>

    public init(_ value: sending Value) {
        mutex = Mutex(value)
    }

    // Inlinable so callers in other modules get it specialised: generic across the module
    // boundary, each call instantiated its metadata at run time (2 % of stage 5's user time,
    // from the backend pool's lock). Public, not `package`, for the same reason: Swift 6.3
    // specialised a `package` inlinable function in no other module of the package.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        try mutex.withLock(announcedAt: Unmanaged.passUnretained(self).toOpaque(), body)
    }
}
