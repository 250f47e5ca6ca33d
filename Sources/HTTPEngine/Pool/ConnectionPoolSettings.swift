/// The policy of a `ConnectionPool`, the same for every upstream and loop of one client: how many
/// connections, how many requests each carries, how long requests wait and how failed connects
/// are retried.
struct ConnectionPoolSettings: Sendable {
    /// How requests use a connection.
    enum Sharing: Sendable, Equatable {
        /// One request at a time: a connection is leased to an exchange and handed back with
        /// `release`, and kept idle between exchanges (HTTP/1.1).
        case leased
        /// Up to `maxRequests` at once: every caller on the loop queues on the same connection
        /// and replies come back in order (a pipelining protocol such as RESP).
        case shared(maxRequests: Int)
    }

    /// Most open connections (connecting, busy or idle) to one upstream from one loop; at least 1.
    var maxConnections: Int
    var sharing: Sharing
    /// Most idle connections kept by a leased pool; extra ones are closed.
    var maxIdleConnections: Int
    /// Most requests a leased pool queues when every connection is busy and the cap is reached;
    /// 0 fails them at once with `.overloaded`. A shared pool never queues: a request finding
    /// every connection full fails at once.
    var maxWaitingRequests: Int
    /// How long a queued request waits before it fails with `.overloaded`.
    var waitTimeout: Duration
    /// Longest wait for a host name's lookup before its requesters fail with `.connectTimeout`;
    /// nil leaves it to the requests' own deadlines.
    var lookupTimeout: Duration? = nil
    /// Whether and how failed connects hold back the next one; nil connects on every request.
    var backOff: ReconnectBackOff? = nil
    /// Hears failed connects and queue waits; nil costs one check per event.
    var observer: (any HTTPClientObserver)? = nil
}

/// Reconnect delays after failed connects: `initialDelay × 2^(failures − 1)`, capped at
/// `maxDelay` and scaled by a random factor in 0.5...1 so many clients do not reconnect in step.
struct ReconnectBackOff: Sendable {
    var initialDelay: Duration
    var maxDelay: Duration

    /// The delay after `failures` (at least 1) consecutive failed connects, with jitter.
    func delay(afterFailures failures: Int) -> Duration {
        let doublings = min(failures - 1, 30)
        let delay = min(initialDelay * (1 << doublings), maxDelay)
        return delay * Double.random(in: 0.5...1)
    }
}
