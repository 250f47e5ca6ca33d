/// The proxy's source of time: health-check intervals and passive-failure expiry read it.
///
/// Injected so that tests drive health checks step by step with `ManualProxyClock`
/// instead of sleeping; production uses `SystemProxyClock`.
public protocol ProxyClock: Sendable {
    /// Monotonic time since an arbitrary origin fixed for the clock's life.
    var now: Duration { get }
    /// Suspends until `now` reaches `deadline`; throws `CancellationError` when cancelled.
    func sleep(until deadline: Duration) async throws
}

/// Real time: `ContinuousClock` measured from the moment the clock was made.
public struct SystemProxyClock: ProxyClock {
    private let origin = ContinuousClock.now

    public init() {}

    public var now: Duration { ContinuousClock.now - origin }

    public func sleep(until deadline: Duration) async throws {
        try await ContinuousClock().sleep(until: origin + deadline)
    }
}
