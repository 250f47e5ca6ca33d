import HTTPEngine
import V5ProductionLimiter

/// A store test double that fails on command: answers from an in-memory store, throws a given
/// error, or hangs (ignoring cancellation, like a store stuck in a system call) until released.
final class ScriptedStore: RateLimitStore, Sendable {
    enum Behaviour: Sendable {
        case answer
        case fail(RateLimitStoreError)
        case hang
    }

    private struct State {
        var behaviour = Behaviour.answer
        var calls = 0
        var hanging: [CheckedContinuation<Void, Never>] = []
        var hangingWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let memory: InMemoryStore<ManualClock>
    private let state = Locked(State())

    init(clock: ManualClock) {
        memory = InMemoryStore(clock: clock)
    }

    /// What the next calls do.
    func behave(_ behaviour: Behaviour) { state.withLock { $0.behaviour = behaviour } }

    /// Calls that reached the store.
    var calls: Int { state.withLock { $0.calls } }

    /// Lets every hanging call finish (with the in-memory answer).
    func releaseHanging() {
        let hanging = state.withLock { state in
            defer { state.hanging = [] }
            return state.hanging
        }
        for call in hanging { call.resume() }
    }

    /// Returns once `count` calls are hanging.
    func waitForHanging(count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isReady = state.withLock { state in
                if state.hanging.count >= count { return true }
                state.hangingWatchers.append((count, continuation))
                return false
            }
            if isReady { continuation.resume() }
        }
    }

    func decide(_ request: RateLimitRequest) async throws(RateLimitStoreError) -> StoreDecision {
        try await behaveNow()
        return memory.decideNow(request)
    }

    func inspect(_ request: RateLimitRequest) async throws(RateLimitStoreError) -> StoreInspection {
        try await behaveNow()
        return memory.inspectNow(request)
    }

    /// Counts the call and does what it was told: nothing, throw, or hang until released.
    private func behaveNow() async throws(RateLimitStoreError) {
        let behaviour = state.withLock { state in
            state.calls += 1
            return state.behaviour
        }
        switch behaviour {
        case .answer: break
        case .fail(let error): throw error
        case .hang:
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    state.hanging.append(continuation)
                    let count = state.hanging.count
                    let ready = state.hangingWatchers.filter { $0.count <= count }.map(\.continuation)
                    state.hangingWatchers.removeAll { $0.count <= count }
                    return ready
                }
                for watcher in ready { watcher.resume() }
            }
        }
    }
}
