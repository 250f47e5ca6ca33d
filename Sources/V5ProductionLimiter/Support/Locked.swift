import Synchronization
import ThreadSanitizerAnnotations

/// State behind a `Mutex`, with each critical section announced to ThreadSanitizer.
///
/// `Mutex` hands a contended lock over in the kernel (a futex), which ThreadSanitizer cannot
/// see, so without the annotations it reports races between two threads that took turns
/// properly. One home for the pattern, for the types stage 5 adds.
final class Locked<State>: Sendable {
    private let mutex: Mutex<State>

    init(_ state: sending State) {
        mutex = Mutex(state)
    }

    /// Runs `body` on the state, holding the lock.
    func withLock<Result>(_ body: (inout sending State) throws -> sending Result) rethrows -> sending Result {
        let identity = Unmanaged.passUnretained(self).toOpaque()
        return try mutex.withLock { state in
            ThreadSanitizer.acquire(identity)
            defer { ThreadSanitizer.release(identity) }
            return try body(&state)
        }
    }
}
