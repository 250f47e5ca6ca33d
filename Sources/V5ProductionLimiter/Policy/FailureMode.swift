/// What to do with a request when the store fails, times out, or the breaker is open.
///
/// No mode is right everywhere, so none is the silent default of the middleware's store: an
/// API protecting a fragile backend wants fail-closed, a login page wants fail-open (a Redis
/// outage must not lock every user out), a public API wants the fallback.
public enum FailureMode: Hashable, Sendable {
    /// Admit, count it, and mark the response: availability over protection.
    case failOpen
    /// Refuse with 503 and a body saying why: protection over availability.
    case failClosed
    /// Decide with a local in-memory limiter holding `share` of every limit (in (0, 1]): with
    /// `n` instances behind a balancer, `1/n` keeps the global limit roughly where it was.
    case fallback(share: Double)
}
