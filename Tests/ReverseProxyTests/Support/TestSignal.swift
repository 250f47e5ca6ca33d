import HTTPEngine
@testable import ReverseProxy

/// The engine's TSan-annotated lock, under the name the fixtures use.
typealias Mutexed = Locked

/// A one-shot signal a test can wait on (and a handler can wait on until the test fires it).
final class TestSignal: Sendable {
    private let state = Mutexed<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.withLock { state in
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var hasFired: Bool { state.withLock { $0.fired } }

    func wait() async {
        await withCheckedContinuation { continuation in
            let fired = state.withLock { state in
                if !state.fired { state.waiters.append(continuation) }
                return state.fired
            }
            if fired { continuation.resume() }
        }
    }
}
