/// The health of one backend as the pool tracks it: a two-state machine fed by active
/// checks (with thresholds) and by proxied requests (passive: one failure is enough).
struct BackendHealth: Sendable {
    private(set) var isHealthy = true
    private(set) var consecutiveCheckFailures = 0
    private(set) var consecutiveCheckSuccesses = 0
    private(set) var lastFailure: String?
    /// Clock time of the last change between healthy and unhealthy.
    private(set) var changedAt: Duration?
    private(set) var transitionCount = 0
    /// When a proxied request last failed to connect (or was reset); nil after a success.
    private(set) var passiveFailureAt: Duration?

    /// An active check's outcome; the state flips only once a threshold is reached.
    mutating func recordCheck(passed: Bool, failure: String?, configuration: HealthCheckConfiguration, now: Duration) {
        if passed {
            consecutiveCheckSuccesses += 1
            consecutiveCheckFailures = 0
            if !isHealthy, consecutiveCheckSuccesses >= configuration.healthyThreshold { setHealthy(true, now: now) }
        } else {
            consecutiveCheckFailures += 1
            consecutiveCheckSuccesses = 0
            lastFailure = failure
            if isHealthy, consecutiveCheckFailures >= configuration.unhealthyThreshold { setHealthy(false, now: now) }
        }
    }

    /// A proxied request could not connect or was reset before any answer: out at once,
    /// since every further request sent there would fail the same way.
    mutating func recordPassiveFailure(_ failure: String, now: Duration) {
        lastFailure = failure
        passiveFailureAt = now
        consecutiveCheckSuccesses = 0
        if isHealthy { setHealthy(false, now: now) }
    }

    /// A failure that does not take the backend out (the only one of its pool): reported, nothing more.
    mutating func recordFailureKeepingTraffic(_ failure: String) {
        lastFailure = failure
    }

    /// A proxied request got an answer: a backend retried after its passive time-out is back.
    mutating func recordPassiveSuccess(now: Duration) {
        guard passiveFailureAt != nil else { return }
        passiveFailureAt = nil
        if !isHealthy { setHealthy(true, now: now) }
    }

    /// Whether requests may go here: healthy, or (without active checks to decide) down
    /// for longer than the passive time-out, so one request may find out whether it is back
    /// (`startPassiveTrial(now:)` then keeps the others away for another time-out).
    func isSelectable(now: Duration, hasActiveChecks: Bool, passiveFailureTimeout: Duration) -> Bool {
        if isHealthy { return true }
        guard !hasActiveChecks, let passiveFailureAt else { return false }
        return now - passiveFailureAt >= passiveFailureTimeout
    }

    /// A request was picked to try this passively failed backend: the next trial waits another
    /// passive time-out, as nginx's `fail_timeout` restarts when it lets a request through.
    ///
    /// Without it every pick after the time-out found the backend selectable until that one
    /// request's outcome came back, so a burst (or a backend that holds connections until a
    /// connect time-out) drew the round-robin's full share of requests to a backend known dead.
    mutating func startPassiveTrial(now: Duration) {
        guard !isHealthy, passiveFailureAt != nil else { return }
        passiveFailureAt = now
    }

    private mutating func setHealthy(_ healthy: Bool, now: Duration) {
        isHealthy = healthy
        changedAt = now
        transitionCount += 1
    }
}
