import HTTPEngine
import Synchronization

/// A named group of backends that one or more routes send requests to, with the
/// health of each; shared by every event loop, so its state sits behind one lock.
///
/// One lock per pick (about 50 ns uncontended) was preferred to per-loop copies of the
/// state: health must be the same on every loop, or a backend one loop found dead would
/// still get another loop's requests until that loop failed on it too. A pool of one healthy
/// backend, the usual front of a single API, picks it without the lock (see `select`).
public final class BackendPool: Sendable {
    public let name: String
    public let backends: [Backend]
    /// Active checks; nil leaves health to proxied requests alone (passive checks).
    public let healthCheck: HealthCheckConfiguration?
    /// Without active checks, how long a backend that failed a proxied request stays out
    /// before one request is let through to try it again (nginx's `fail_timeout`); the only
    /// backend of a pool is never taken out this way (see `recordPassiveFailure(at:_:)`).
    public let passiveFailureTimeout: Duration
    /// The time source of passive expiry and of this pool's health checks.
    public let clock: any ProxyClock

    struct State {
        var health: [BackendHealth]
        /// Smooth weighted round-robin counters, one per backend.
        var currentWeights: [Int]
    }

    let state: Locked<State>
    /// Whether some backend is marked by a passive failure; lets the success of every
    /// proxied request skip the lock in the usual case where none is.
    let hasPassiveFailures = Atomic<Bool>(false)
    /// Whether every backend is healthy; written under the lock whenever health changes, read
    /// without it by `select`.
    let isEveryBackendHealthy = Atomic<Bool>(true)

    /// Throws when there is no backend, a backend or the health check is invalid, or a backend is listed twice.
    public init(
        name: String,
        backends: [Backend],
        healthCheck: HealthCheckConfiguration? = nil,
        passiveFailureTimeout: Duration = .seconds(10),
        clock: any ProxyClock = SystemProxyClock()
    ) throws(ReverseProxyConfigurationError) {
        guard !backends.isEmpty else { throw .invalidField("pool \"\(name)\" backends", "a pool needs at least one backend") }
        for backend in backends { try backend.validate() }
        guard Set(backends.map(\.description)).count == backends.count else {
            throw .invalidField("pool \"\(name)\" backends", "a backend is listed twice; raise its weight instead")
        }
        try healthCheck?.validate()
        guard passiveFailureTimeout >= .zero else {
            throw .invalidField("passive failure timeout", "\(passiveFailureTimeout) must not be negative")
        }
        self.name = name
        self.backends = backends
        self.healthCheck = healthCheck
        self.passiveFailureTimeout = passiveFailureTimeout
        self.clock = clock
        state = Locked(State(
            health: Array(repeating: BackendHealth(), count: backends.count),
            currentWeights: Array(repeating: 0, count: backends.count)
        ))
    }

    /// The health of every backend, for admin endpoints and metrics.
    public var status: PoolStatus {
        let health = state.withLock { $0.health }
        return PoolStatus(name: name, backends: zip(backends, health).map { backend, health in
            BackendStatus(
                backend: backend,
                isHealthy: health.isHealthy,
                consecutiveCheckFailures: health.consecutiveCheckFailures,
                consecutiveCheckSuccesses: health.consecutiveCheckSuccesses,
                lastFailure: health.lastFailure,
                changedAt: health.changedAt,
                transitionCount: health.transitionCount
            )
        })
    }

    /// The next backend by smooth weighted round-robin among the selectable ones not in
    /// `excluded` (indices into `backends`); nil when none is left.
    ///
    /// Smooth (nginx's algorithm) rather than plain weighted: weights 5:1:1 give
    /// a a b a c a a, not a a a a a b c, so no backend gets a burst.
    func select(excluding excluded: Set<Int> = []) -> Int? {
        // One healthy backend is the pick whatever the counters say, and the lock, taken by
        // every loop for every request, moved its cache line between cores each time. A failure
        // recorded on another loop just after this load is met as if it came just after the pick.
        if backends.count == 1, excluded.isEmpty, isEveryBackendHealthy.load(ordering: .relaxed) { return 0 }
        // Only a passive failure's expiry needs the time; with none, the clock is not read (it was
        // 1 % of the proxy's user CPU). A failure recorded after this load counts as not expired.
        let now = hasPassiveFailures.load(ordering: .relaxed) ? clock.now : .zero
        return state.withLock { state in
            var total = 0
            var best: Int?
            for index in backends.indices where !excluded.contains(index) {
                guard state.health[index].isSelectable(now: now, hasActiveChecks: healthCheck != nil, passiveFailureTimeout: passiveFailureTimeout) else { continue }
                state.currentWeights[index] += backends[index].weight
                total += backends[index].weight
                if best.map({ state.currentWeights[index] > state.currentWeights[$0] }) ?? true { best = index }
            }
            guard let best else { return nil }
            state.currentWeights[best] -= total
            state.health[best].startPassiveTrial(now: now)
            return best
        }
    }

    /// A proxied request could not connect to backend `index`, or it reset the connection before answering.
    ///
    /// The only backend of a pool without active checks keeps its traffic (the failure is still
    /// its `lastFailure`), as nginx ignores `max_fails` for a single server: with nowhere else to
    /// send requests, taking it out turns a restart of a second into `passiveFailureTimeout` of
    /// 503s. With active checks it is taken out, and the checks bring it back.
    func recordPassiveFailure(at index: Int, _ failure: String) {
        guard backends.count > 1 || healthCheck != nil else {
            state.withLock { $0.health[index].recordFailureKeepingTraffic(failure) }
            return
        }
        let now = clock.now
        state.withLock { state in
            state.health[index].recordPassiveFailure(failure, now: now)
            hasPassiveFailures.store(true, ordering: .relaxed)
            publishHealth(of: state)
        }
    }

    /// A proxied request got a response head from backend `index`.
    func recordPassiveSuccess(at index: Int) {
        // A failure recorded concurrently with this load is simply ordered after this success.
        guard hasPassiveFailures.load(ordering: .relaxed) else { return }
        let now = clock.now
        state.withLock { state in
            state.health[index].recordPassiveSuccess(now: now)
            hasPassiveFailures.store(state.health.contains { $0.passiveFailureAt != nil }, ordering: .relaxed)
            publishHealth(of: state)
        }
    }

    /// An active check of backend `index` passed or failed.
    func recordCheck(at index: Int, passed: Bool, failure: String?) {
        guard let healthCheck else { return }
        let now = clock.now
        state.withLock { state in
            state.health[index].recordCheck(passed: passed, failure: failure, configuration: healthCheck, now: now)
            publishHealth(of: state)
        }
    }

    /// Sets `isEveryBackendHealthy` from `state`. Lock held.
    private func publishHealth(of state: State) {
        isEveryBackendHealthy.store(state.health.allSatisfy(\.isHealthy), ordering: .relaxed)
    }
}
