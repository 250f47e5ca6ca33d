/// The first of several offered results, handed to one waiter; later offers are dropped.
///
/// How a decision races the store against its time-out without waiting for the loser: a
/// task group would, because a group does not return until every child has finished, and a
/// store stuck in a call that ignores cancellation would then hold the request forever.
final class FirstResult<Success: Sendable, Failure: Error>: Sendable {
    private enum Slot {
        case empty
        case waiting(CheckedContinuation<Result<Success, Failure>, Never>)
        case offered(Result<Success, Failure>)
        case taken
    }

    private let slot = Locked(Slot.empty)

    /// Offers `result`; returns whether it was the first.
    @discardableResult
    func offer(_ result: Result<Success, Failure>) -> Bool {
        let waiter = slot.withLock { slot -> CheckedContinuation<Result<Success, Failure>, Never>?? in
            switch slot {
            case .empty:
                slot = .offered(result)
                return .some(nil)
            case .waiting(let continuation):
                slot = .taken
                return .some(continuation)
            case .offered, .taken:
                return nil
            }
        }
        guard let waiter else { return false }
        waiter?.resume(returning: result)
        return true
    }

    /// The first result offered, waiting for it if none has been; called once.
    func wait() async -> Result<Success, Failure> {
        await withCheckedContinuation { continuation in
            let ready = slot.withLock { slot -> Result<Success, Failure>? in
                switch slot {
                case .empty:
                    slot = .waiting(continuation)
                    return nil
                case .offered(let result):
                    slot = .taken
                    return result
                case .waiting, .taken:
                    preconditionFailure("FirstResult.wait() called twice")
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
