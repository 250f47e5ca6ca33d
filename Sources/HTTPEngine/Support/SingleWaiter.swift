import Synchronization

/// A slot for at most one suspended task, resumed once by a producer or by the
/// waiting task's cancellation, whichever comes first.
///
/// The owner keeps its own state (buffered chunks, unsent bytes) and decides when to
/// wait and when to resume; it must make "check state, then wait" atomic with respect
/// to its producer (all three owners do both on their event loop). The slot's own lock
/// only makes cancellation, which runs on whatever thread cancels, race-free.
///
/// A body has one reader and a response one writer; the slot refuses a second waiter (e.g.
/// two tasks iterating one request body at once) with `HTTPEngineError` `.concurrentWait`
/// instead of silently dropping the first, which would then never resume.
/// (A bare stored `UnsafeContinuation` was the rejected alternative: a second waiter
/// overwrote the first, and a cancelled waiter hung until a time-out closed the connection.)
final class SingleWaiter<Value: Sendable>: Sendable {
    private struct State: Sendable {
        var continuation: UnsafeContinuation<Value, any Error>?
        /// Which `wait` call owns `continuation`, so a late cancellation cannot resume a later waiter.
        var owner: UInt64 = 0
        var lastNumber: UInt64 = 0
    }

    private let state = Mutex(State())
    private let operation: String

    /// `operation` names what is waited for in the `.concurrentWait` error.
    init(operation: String) {
        self.operation = operation
    }

    /// Whether a task is suspended in `wait`.
    var isWaiting: Bool { withLock { $0.continuation != nil } }

    /// Suspends until `resume`; throws `.concurrentWait` at once when another task
    /// waits already, and `CancellationError` when the waiting task is cancelled.
    /// `afterRegistering` runs once the waiter is in place (without the lock held), for
    /// work that may resume it right away, such as asking the producer for more.
    func wait(afterRegistering: () -> Void = {}) async throws -> Value {
        let number = withLock { state in
            state.lastNumber &+= 1
            return state.lastNumber
        }
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                let refusal: (any Error)? = withLock { state in
                    if state.continuation != nil { return HTTPEngineError.concurrentWait(operation: operation) }
                    // Cancelled before the slot was filled: the handler below found it empty.
                    if Task.isCancelled { return CancellationError() }
                    state.continuation = continuation
                    state.owner = number
                    return nil
                }
                if let refusal {
                    continuation.resume(throwing: refusal)
                } else {
                    afterRegistering()
                }
            }
        } onCancel: {
            let continuation = withLock { state -> UnsafeContinuation<Value, any Error>? in
                guard state.owner == number else { return nil }
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Resumes the waiter with `value`; false when nobody waits (the owner keeps the value).
    @discardableResult
    func resume(returning value: Value) -> Bool {
        guard let continuation = take() else { return false }
        continuation.resume(returning: value)
        return true
    }

    /// Resumes the waiter with `error`; false when nobody waits.
    @discardableResult
    func resume(throwing error: any Error) -> Bool {
        guard let continuation = take() else { return false }
        continuation.resume(throwing: error)
        return true
    }

    private func take() -> UnsafeContinuation<Value, any Error>? {
        withLock { state in
            defer { state.continuation = nil }
            return state.continuation
        }
    }

    /// `state.withLock`, announced to ThreadSanitizer with this object's address.
    private func withLock<Result>(_ body: (inout State) -> Result) -> Result {
        state.withLock(announcedAt: Unmanaged.passUnretained(self).toOpaque(), body)
    }
}
