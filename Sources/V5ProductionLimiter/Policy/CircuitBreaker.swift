/// Stops asking a store that keeps failing, and asks again now and then to see if it is back.
///
/// Without it a dead store costs every request the full time-out before the failure policy
/// acts: at a 50 ms time-out and 10,000 requests a second, 500 requests are waiting at any
/// moment. The classic three states:
/// - **closed**: every request asks the store; `failureThreshold` failures in a row open it;
/// - **open**: nobody asks until `openDuration` has passed on the clock; the policy decides;
/// - **half-open**: exactly one request (the probe) asks; success closes the breaker, failure
///   opens it for another `openDuration`. Requests arriving meanwhile are treated as open.
///
/// Time is the injected clock's, so tests move through the states without sleeping.
public final class CircuitBreaker: Sendable {
    /// Where the breaker stands.
    public enum State: String, Sendable, CaseIterable {
        case closed
        case open
        case halfOpen = "half_open"
    }

    /// When to open and how long to stay open.
    public struct Configuration: Hashable, Sendable {
        /// Consecutive failures that open the breaker; at least 1.
        public let failureThreshold: Int
        /// How long the breaker stays open before one probe is let through; positive.
        public let openDuration: Duration

        public init(failureThreshold: Int = 5, openDuration: Duration = .seconds(1)) {
            precondition(failureThreshold >= 1, "CircuitBreaker: failureThreshold must be at least 1, got \(failureThreshold)")
            precondition(openDuration > .zero, "CircuitBreaker: openDuration must be positive, got \(openDuration)")
            self.failureThreshold = failureThreshold
            self.openDuration = openDuration
        }
    }

    private struct Status {
        var state = State.closed
        var consecutiveFailures = 0
        var reopensAt = MonotonicInstant(nanoseconds: .min)
    }

    /// The thresholds this breaker uses.
    public let configuration: Configuration
    private let clock: any RateLimitClock
    private let metrics: any RateLimitMetrics
    private let status = Locked(Status())

    /// A closed breaker timing its open state on `clock`.
    public init(configuration: Configuration = Configuration(), clock: any RateLimitClock, metrics: any RateLimitMetrics = NoOpRateLimitMetrics()) {
        self.configuration = configuration
        self.clock = clock
        self.metrics = metrics
    }

    /// Where the breaker stands now.
    public var state: State { status.withLock { $0.state } }

    /// Whether this request may ask the store; in half-open state only the first caller may.
    public func allowsRequest() -> Bool {
        let now = clock.now
        let (allowed, change) = status.withLock { status -> (Bool, State?) in
            switch status.state {
            case .closed:
                return (true, nil)
            case .halfOpen:
                return (false, nil)
            case .open:
                guard now >= status.reopensAt else { return (false, nil) }
                status.state = .halfOpen
                return (true, .halfOpen)
            }
        }
        if let change { metrics.breakerChanged(to: change) }
        return allowed
    }

    /// The store answered: the breaker closes and the failure count starts over.
    public func recordSuccess() {
        let change = status.withLock { status -> State? in
            status.consecutiveFailures = 0
            guard status.state != .closed else { return nil }
            status.state = .closed
            return .closed
        }
        if let change { metrics.breakerChanged(to: change) }
    }

    /// The store failed: a failed probe reopens, enough failures in a row open.
    public func recordFailure() {
        let now = clock.now
        let change = status.withLock { status -> State? in
            status.consecutiveFailures += 1
            let opens = status.state == .halfOpen
                || (status.state == .closed && status.consecutiveFailures >= configuration.failureThreshold)
            guard opens else { return nil }
            status.state = .open
            status.reopensAt = now + configuration.openDuration
            return .open
        }
        if let change { metrics.breakerChanged(to: change) }
    }
}
