import HTTPEngine

/// A one-shot signal a test can wait on (and a handler can wait on until the test fires it);
/// resumes every waiter once fired, and lets any later one through at once.
///
/// On the engine's `Locked`, whose lock ThreadSanitizer is told about, as the engine's own state is.
public final class TestSignal: Sendable {
    private let state = Locked<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    public init() {}

    public func fire() {
        let waiters = state.withLock { state in
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    public var hasFired: Bool { state.withLock { $0.fired } }

    public func wait() async {
        await withCheckedContinuation { continuation in
            let fired = state.withLock { state in
                if !state.fired { state.waiters.append(continuation) }
                return state.fired
            }
            if fired { continuation.resume() }
        }
    }
}
