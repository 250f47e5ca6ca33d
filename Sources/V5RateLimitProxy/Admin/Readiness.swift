import Synchronization
import V5ProductionLimiter

/// Whether the proxy should get traffic: not while draining, and not while a fail-closed
/// store's breaker is open (every request would get 503; better that the balancer sends
/// traffic to a proxy that can decide).
final class Readiness: Sendable {
    private let draining = Atomic<Bool>(false)
    let store: GuardedStore

    init(store: GuardedStore) {
        self.store = store
    }

    func beginDraining() {
        draining.store(true, ordering: .relaxed)
    }

    /// Nil when ready, else why not.
    var reasonNotReady: String? {
        if draining.load(ordering: .relaxed) { return "draining" }
        if store.mode == .failClosed, store.breaker.state == .open { return "store unavailable and failure mode is fail-closed" }
        return nil
    }
}
