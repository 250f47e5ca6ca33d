import HTTPEngine

/// A store behind a failure policy: a time-out, a circuit breaker, and a `FailureMode` for
/// when neither gets an answer; never throws, always decides.
///
/// ```swift
/// let guarded = GuardedStore(store: redisStore, mode: .fallback(share: 0.5), timeout: .milliseconds(50), clock: MonotonicClock())
/// switch await guarded.decide(request) { ... }
/// ```
///
/// The store is asked only when the breaker allows it. A call that outlives `timeout` is
/// abandoned (cancelled, its late answer dropped) and counts as a failure; so no request waits
/// for the store longer than the time-out, whatever the store does.
public final class GuardedStore: Sendable {
    /// The store asked first.
    public let store: any RateLimitStore
    /// What happens without an answer.
    public let mode: FailureMode
    /// The longest a request waits for the store.
    public let timeout: Duration
    /// The breaker in front of the store.
    public let breaker: CircuitBreaker
    let clock: any RateLimitClock
    /// Whether `clock` is the system's monotonic clock, so a caller's event loop can time store calls.
    let isTimedByLoops: Bool
    private let metrics: any RateLimitMetrics
    /// The local limiter of `.fallback`: an in-memory store on the same clock, nil for other modes.
    private let fallback: (@Sendable (RateLimitRequest) -> StoreDecision)?
    private let fallbackShare: Double
    /// A store that cannot fail, asked directly at an instant (nil: its clock's now), the
    /// decision counted: set by `inMemory(_:metrics:)` only.
    private let infallible: (@Sendable (RateLimitRequest, MonotonicInstant?) -> StoreDecision)?
    /// Whether `infallible`'s store keeps the system's monotonic time, which an event loop's
    /// turn time is read from.
    private let decidesAtLoopTime: Bool
    /// Tells the in-memory stores inside (the store itself, or the fallback) how many limit
    /// states a key must keep; nil when there is none (Redis keeps every limit of a key).
    private let reservesLimitStates: (@Sendable (Int) -> Void)?

    /// A policy around `store`; `timeout` must be positive, a fallback share in (0, 1].
    public init<PolicyClock: RateLimitClock>(
        store: any RateLimitStore,
        mode: FailureMode,
        timeout: Duration,
        breaker configuration: CircuitBreaker.Configuration = CircuitBreaker.Configuration(),
        fallbackMaximumKeyCount: Int = InMemoryStore<PolicyClock>.defaultMaximumKeyCount,
        clock: PolicyClock,
        metrics: any RateLimitMetrics = NoOpRateLimitMetrics()
    ) {
        precondition(timeout > .zero, "GuardedStore: timeout must be positive, got \(timeout)")
        self.store = store
        self.mode = mode
        self.timeout = timeout
        self.clock = clock
        isTimedByLoops = clock.isSystemMonotonic
        self.metrics = metrics
        self.breaker = CircuitBreaker(configuration: configuration, clock: clock, metrics: metrics)
        if case .fallback(let share) = mode {
            precondition(share > 0 && share <= 1, "GuardedStore: a fallback share must be in (0, 1], got \(share)")
            let local = InMemoryStore(maximumKeyCount: fallbackMaximumKeyCount, clock: clock, metrics: metrics)
            fallback = { request in local.decideNow(request) }
            fallbackShare = share
            reservesLimitStates = { local.reserveLimitStates(perKey: $0) }
        } else {
            fallback = nil
            fallbackShare = 1
            reservesLimitStates = nil
        }
        infallible = nil
        decidesAtLoopTime = false
    }

    /// Lets every key of the in-memory stores inside keep `count` limit states: as many as one
    /// client can meet (`PolicySet.limitsPerClient`), so none is forgotten to count another.
    public func reserveLimitStates(perKey count: Int) {
        reservesLimitStates?(count)
    }

    /// A policy around memory in this process, which cannot fail or hang: decisions skip the
    /// time-out race (two tasks and a timer per request) and go straight to the store.
    public static func inMemory<StoreClock: RateLimitClock>(_ store: InMemoryStore<StoreClock>, metrics: any RateLimitMetrics = NoOpRateLimitMetrics()) -> GuardedStore {
        GuardedStore(infallible: store, metrics: metrics)
    }

    /// A policy around a new in-memory store on the monotonic clock, what a server runs.
    ///
    /// Not generic, so the store's decisions are compiled for that clock here: handed an
    /// `InMemoryStore<MonotonicClock>` from another module, `inMemory(_:metrics:)` ran the store's
    /// generic code, every clock read and step of a decision through witness tables.
    public static func inMemory(maximumKeyCount: Int = InMemoryStore<MonotonicClock>.defaultMaximumKeyCount, metrics: any RateLimitMetrics = NoOpRateLimitMetrics()) -> GuardedStore {
        inMemory(InMemoryStore(maximumKeyCount: maximumKeyCount, clock: MonotonicClock(), metrics: metrics), metrics: metrics)
    }

    private init<StoreClock: RateLimitClock>(infallible store: InMemoryStore<StoreClock>, metrics: any RateLimitMetrics) {
        self.store = store
        // Never used: the store cannot fail; fail-closed is the loud choice if that ever changed.
        self.mode = .failClosed
        self.timeout = .seconds(60)
        self.clock = store.clock
        isTimedByLoops = false
        self.metrics = metrics
        self.breaker = CircuitBreaker(clock: store.clock, metrics: metrics)
        self.fallback = nil
        self.fallbackShare = 1
        decidesAtLoopTime = store.clock.isSystemMonotonic
        reservesLimitStates = { store.reserveLimitStates(perKey: $0) }
        // Counted in here, where `metrics` is the closure's own constant: read from the class,
        // the existential was copied out for every call.
        self.infallible = { request, instant in
            let decision = instant.map { store.decide(request, at: $0) } ?? store.decideNow(request)
            metrics.decisionMade(outcome: decision.isAllowed ? .allowed : .limited, path: .store)
            return decision
        }
    }

    /// The decision for `request`: the store's if it answers in time, else the mode's.
    ///
    /// `loop` is the caller's event loop, if it runs on one (a request's `eventLoop`): on a
    /// system clock the store call and its time-out then run there (see `withinTimeout(on:_:)`).
    public func decide(_ request: RateLimitRequest, on loop: EventLoop? = nil) async -> PolicyDecision {
        if let decision = decideInMemory(request, on: loop) { return .decided(decision) }
        let decision: PolicyDecision
        switch await askStore(request, on: loop) {
        case .success(let answer): decision = .decided(answer)
        case .failure(let error): decision = decideWithout(request, cause: error)
        }
        metrics.decisionMade(outcome: decision.outcome, path: decision.path)
        return decision
    }

    /// The decision for `request` without suspending, when the store is memory in this process
    /// (`inMemory`); nil, with nothing spent, when the store must be awaited (`decide`).
    ///
    /// On `loop`'s thread the decision is made at the loop's turn time (`EventLoop.turnNanoseconds`),
    /// as nginx's `limit_req` uses the time it caches once per turn, instead of a clock read per
    /// request. The request is then judged as if it had arrived when the turn began, at most the
    /// turn's length earlier (microseconds under load): over any span the limit admits at most
    /// its rate times that lag more, the same slack a clock read taken before the store's lock
    /// already had when a thread was preempted between the two.
    public func decideImmediately(_ request: RateLimitRequest, on loop: EventLoop? = nil) -> PolicyDecision? {
        decideInMemory(request, on: loop).map(PolicyDecision.decided)
    }

    /// `decideImmediately` without the `PolicyDecision` around the answer, which from memory is
    /// always `.decided`: the limiter's per-request path, where copying the enum cost more than
    /// the decision's arithmetic.
    func decideInMemory(_ request: RateLimitRequest, on loop: EventLoop?) -> StoreDecision? {
        guard let infallible else { return nil }
        guard decidesAtLoopTime, let loop, loop.inEventLoop else { return infallible(request, nil) }
        return infallible(request, MonotonicInstant(nanoseconds: Int64(truncatingIfNeeded: loop.turnNanoseconds)))
    }

    /// The store's answer within the time-out, or why there is none; feeds the breaker.
    private func askStore(_ request: RateLimitRequest, on loop: EventLoop?) async -> Result<StoreDecision, RateLimitStoreError> {
        guard breaker.allowsRequest() else {
            metrics.storeFailed(.circuitOpen)
            return .failure(.circuitOpen)
        }
        let started = clock.now
        let store = self.store
        let result: Result<StoreDecision, RateLimitStoreError>
        if isTimedByLoops, let loop, loop.inEventLoop {
            result = await withinTimeout(on: loop) { () async throws(RateLimitStoreError) in try await store.decide(request) }
        } else {
            result = await withinTimeout { () async throws(RateLimitStoreError) in try await store.decide(request) }
        }
        metrics.storeAnswered(after: started.duration(to: clock.now))
        switch result {
        case .success: breaker.recordSuccess()
        case .failure(let error):
            breaker.recordFailure()
            metrics.storeFailed(error)
        }
        return result
    }

    /// What the store would answer for `request` now, without spending (`RateLimitStore.inspect`),
    /// or why it cannot say within the time-out: the live state `/explain` shows.
    ///
    /// Asked even while the breaker is open, and the breaker is told nothing: an operator's
    /// question is not traffic, and should see the store as it is, not as the breaker last saw
    /// it. Metrics stay untouched for the same reason. The time-out still holds, so a store that
    /// hangs costs the operator at most `timeout`.
    public func inspect(_ request: RateLimitRequest) async throws(RateLimitStoreError) -> StoreInspection {
        let store = self.store
        // Memory cannot fail or hang: no race, as for decisions.
        if infallible != nil { return try await store.inspect(request) }
        return try await withinTimeout { () async throws(RateLimitStoreError) in try await store.inspect(request) }.get()
    }

    /// What the mode does with `request` when the store gave no answer.
    private func decideWithout(_ request: RateLimitRequest, cause: RateLimitStoreError) -> PolicyDecision {
        switch mode {
        case .failOpen: return .failedOpen(cause: cause)
        case .failClosed: return .failedClosed(cause: cause)
        case .fallback:
            guard let fallback, let local = try? RateLimitRequest(key: request.key, limits: request.limits.map { $0.scaled(by: fallbackShare) }, cost: request.cost) else {
                // The cost fits the global limits but not this instance's share of them:
                // refusing is the fallback's answer for a request it can never admit.
                return .failedClosed(cause: cause)
            }
            return .fellBack(fallback(local), cause: cause)
        }
    }
}
