/// Active health checks of a pool's backends: a `GET` of `path` every `interval`.
///
/// A healthy backend turns unhealthy after `unhealthyThreshold` failed checks in a row (an
/// error, a time-out, or a status outside 200...399); an unhealthy one turns healthy again
/// after `healthyThreshold` passed checks in a row.
public struct HealthCheckConfiguration: Sendable, Equatable {
    /// The target requested, in origin form (`/healthz`, `/status?deep=0`).
    public var path: String
    /// Time between the end of one check and the start of the next (before jitter).
    public var interval: Duration
    /// Longest wait for the response head; past it the check fails.
    public var timeout: Duration
    /// Passed checks in a row that bring an unhealthy backend back.
    public var healthyThreshold: Int
    /// Failed checks in a row that take a healthy backend out.
    public var unhealthyThreshold: Int
    /// Up to this much is added, at random, to every interval (and delays the first check),
    /// so the checks of many backends and proxies do not fall in step.
    public var jitter: Duration

    public init(
        path: String = "/health",
        interval: Duration = .seconds(5),
        timeout: Duration = .seconds(2),
        healthyThreshold: Int = 2,
        unhealthyThreshold: Int = 3,
        jitter: Duration = .milliseconds(500)
    ) {
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
        self.jitter = jitter
    }

    func validate() throws(ReverseProxyConfigurationError) {
        guard path.hasPrefix("/"), path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalidField("health check path", "\"\(path)\" must start with / and hold visible ASCII only")
        }
        guard interval > .zero else { throw .invalidField("health check interval", "\(interval) must be positive") }
        guard timeout > .zero else { throw .invalidField("health check timeout", "\(timeout) must be positive") }
        guard healthyThreshold >= 1 else { throw .invalidField("healthy threshold", "\(healthyThreshold) must be at least 1") }
        guard unhealthyThreshold >= 1 else { throw .invalidField("unhealthy threshold", "\(unhealthyThreshold) must be at least 1") }
        guard jitter >= .zero else { throw .invalidField("health check jitter", "\(jitter) must not be negative") }
    }
}
