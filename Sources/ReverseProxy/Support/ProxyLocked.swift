import Synchronization
import ThreadSanitizerAnnotations

/// A `Mutex`-protected value whose critical sections are announced to ThreadSanitizer.
///
/// `Mutex` hands a contended lock over inside the kernel, where TSan cannot see it; the
/// object's address marks the lock instead. (HTTPEngine has the same wrapper but keeps it
/// internal; making it public was rejected so the engine's API stays what its doc lists.)
final class ProxyLocked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: sending Value) {
        mutex = Mutex(value)
    }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        let identity = Unmanaged.passUnretained(self).toOpaque()
        return mutex.withLock { value in
            ThreadSanitizer.acquire(identity)
            defer { ThreadSanitizer.release(identity) }
            return body(&value)
        }
    }
}
