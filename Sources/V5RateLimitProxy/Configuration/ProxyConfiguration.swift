import IPAddressing
import RedisClient
import ReverseProxy
import V5ProductionLimiter

/// Everything the proxy runs with, after defaults, the JSON file, environment variables and
/// flags have been applied in that order (a later source wins).
struct ProxyConfiguration: Sendable {
    /// One limit as configured: `count` per `per` (a token bucket's burst and refill, or a
    /// sliding window's count), or `rps` with `burst`.
    struct LimitSpec: Equatable, Sendable {
        var capacity: Int
        var ratePerSecond: Double
        var algorithm: RateLimit.Algorithm
    }

    /// A policy as configured.
    struct PolicySpec: Equatable, Sendable {
        var limits: [LimitSpec]
        var isShadow = false
    }

    /// A route as configured: its own backends (or the default upstreams), extra limits, a cost.
    struct RouteSpec: Sendable {
        var pathPrefix: String
        var host: String?
        var backends: [(host: String, port: UInt16)]
        /// Active checks of `backends`; nil means the top-level `healthCheck`.
        var healthCheck: HealthCheckConfiguration?
        var cost = 1
        var policy: PolicySpec?
    }

    enum StoreKind: Sendable {
        case memory
        case redis(RedisAddress)
    }

    var listen = (host: "127.0.0.1", port: UInt16(8080))
    var admin = (host: "127.0.0.1", port: UInt16(9090))
    /// The backends of the catch-all route; empty means the embedded demo upstream.
    var upstreams: [(host: String, port: UInt16)] = []
    /// Active health checks of every pool without its own (a route's `healthCheck`); nil: none,
    /// and a backend is taken out only by failing requests, for the passive-failure time-out.
    var healthCheck: HealthCheckConfiguration?
    var routes: [RouteSpec] = []
    /// Clients without a known API key, per address: 2 per second, bursts of 5 (small, so a
    /// first-time user sees a 429 after a handful of requests).
    var anonymous = PolicySpec(limits: [LimitSpec(capacity: 5, ratePerSecond: 2, algorithm: .tokenBucket)])
    var tiers: [String: PolicySpec] = [:]
    var apiKeys: [String: String] = [:]
    var apiKeyHeader = "X-API-Key"
    var store = StoreKind.memory
    var maximumKeyCount = 1 << 16
    var failureMode = FailureMode.fallback(share: 1)
    var storeTimeout = Duration.milliseconds(50)
    var keyPrefix = "ratelimit:"
    var keyHashSecret: String?
    var headerStyle = RateLimitHeaderStyle.both
    var errorBodyFormat = RateLimitErrorBodyFormat.json
    var trustedProxies: [IPNetwork] = []
    /// Leading bits of an IPv6 client's address that its anonymous limit is counted by: a host
    /// usually owns a whole /64, so per address it could mint a fresh budget per request.
    var ipv6PrefixLength = 64
    /// Accepted for the seeds' `BUCKET_TTL`: Redis keys expire on their own once forgettable,
    /// and the in-memory table evicts the least useful key when full, so it only bounds
    /// nothing further; kept to say so in the startup log rather than reject the variable.
    var bucketTTL: Duration?
    var gracefulShutdownTimeout = Duration.seconds(10)
    var timeouts = Timeouts()
    /// Client connections held at once; one more is answered 503 and closed (nginx's
    /// `worker_connections`, HAProxy's `maxconn`); the engine's default.
    var maximumConnectionCount = 10_000
    /// Client connections one client (an IPv4 address, an IPv6 network of `ipv6PrefixLength`
    /// bits) may hold at once, trusted proxies exempt; nil, the default, sets no such cap
    /// (HAProxy's `src_conn_cur`; nginx's `limit_conn`, which counts busy connections).
    var maximumConnectionsPerClient: Int?
    /// Connections to one backend held at once, across the loops (HAProxy's server `maxconn`);
    /// past it a request waits for one, up to the connect time-out. Nil, the default, allows as
    /// many as client connections (nginx's `max_conns=0`), so a request the proxy accepted never
    /// waits for a backend connection: each client connection uses at most one at a time.
    var upstreamMaximumConnections: Int?
    /// Threads serving connections, one event loop each (nginx's `worker_processes`, HAProxy's
    /// `nbthread`); nil, the default, is one per CPU the process can keep busy (`AvailableCPUs`:
    /// the online CPUs, lowered by `taskset` or a cpuset and by a cgroup CPU quota).
    var eventLoopCount: Int?
    var writesAccessLog = true
    var configFile: String?

    /// Whether no upstream was configured anywhere: the embedded demo upstream serves.
    var usesDemoUpstream: Bool { upstreams.isEmpty && routes.allSatisfy { $0.backends.isEmpty } }
}

extension ProxyConfiguration.LimitSpec {
    /// The limit, named from its policy and numbers: a reload that keeps a limit keeps its
    /// state, and one that changes the numbers starts fresh.
    func rateLimit(policyID: String, field: String) throws(ConfigurationError) -> RateLimit {
        let windowMilliseconds = Int((Double(capacity) / ratePerSecond * 1000).rounded())
        let name = String("\(policyID).\(capacity)per\(windowMilliseconds)ms\(algorithm == .slidingWindow ? ".sw" : "")".prefix(RateLimit.maximumNameLength))
        do {
            let bucket = try BucketLimit(capacity: capacity, refillRatePerSecond: ratePerSecond)
            let limit: RateLimit
            if algorithm == .slidingWindow {
                limit = try RateLimit(name: name, capacity, per: .milliseconds(windowMilliseconds), algorithm: .slidingWindow)
            } else {
                limit = try RateLimit(name: name, bucket: bucket)
            }
            return limit
        } catch {
            throw ConfigurationError(field: field, value: "\(capacity) per \(windowMilliseconds) ms", problem: "\(error)")
        }
    }
}
