/// The reconnect back-off of a pool whose settings ask for one (the pipelined client's).
///
/// A failed connect (unresolvable, refused, timed out, setup refused) makes the next attempt wait
/// `ReconnectBackOff.delay(afterFailures:)`. Requests that would open a connection during the
/// delay fail at once with `.backingOff`, carrying the last failure: a dead server then costs a
/// caller microseconds, not a connect time-out. A connection that worked and broke is replaced
/// at once, and open connections keep serving whatever the back-off says.
///
/// The HTTP client leaves it off: a proxied request carries its own deadline and already fails
/// at the first refused connect, the name cache already holds back lookups of a bad name for
/// `failedNameCacheDuration`, and a proxy that refused every request for seconds after one lost
/// connect would turn an upstream's brief restart into an outage.
extension ConnectionPool {
    /// The failures of a connect, which start or lengthen the back-off; the others (a
    /// close, garbage, a shutdown) end a connection without saying the server is unreachable.
    static var connectFailureCodes: Set<HTTPEngineError.Code> {
        [.unresolvableHost, .connectRefused, .connectFailed, .connectTimeout, .setupRejected]
    }

    /// `.backingOff` while the delay after the last failed connect runs, else nil.
    func backOffFailure() -> HTTPEngineError? {
        guard let lastConnectFailure, EventLoop.monotonicNanoseconds() < retryNotBefore else { return nil }
        return .backingOff(after: lastConnectFailure)
    }

    /// Starts or lengthens the delay when `error` is a failed connect and the pool backs off.
    func recordConnectFailure(_ error: HTTPEngineError) {
        guard let backOff = settings.backOff, Self.connectFailureCodes.contains(error.code) else { return }
        consecutiveConnectFailures += 1
        lastConnectFailure = error
        retryNotBefore = EventLoop.monotonicNanoseconds() &+ backOff.delay(afterFailures: consecutiveConnectFailures).nanoseconds
    }

    /// A connection was established: the next failure starts the delay from the beginning.
    func resetBackOff() {
        consecutiveConnectFailures = 0
        lastConnectFailure = nil
    }
}
