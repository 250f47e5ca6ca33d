import Foundation
import IPAddressing
import RedisClient
import V5ProductionLimiter

/// One setting that a flag and environment variables can give.
struct Setting: Sendable {
    let flag: String
    let variables: [String]
    let help: String
    /// Applies a value; the last argument names where it came from, for error messages.
    let apply: @Sendable (inout ProxyConfiguration, String, String) throws(ConfigurationError) -> Void
}

extension ProxyConfiguration {
    /// Every flag and variable, in `--help` order. The seeds' variable names are accepted.
    static let settings: [Setting] = [
        Setting(flag: "--config", variables: ["CONFIG_FILE"], help: "JSON file with routes, backends, tiers, API keys and policies (reloaded on SIGHUP)") { configuration, value, _ in
            configuration.configFile = value
        },
        Setting(flag: "--listen", variables: ["BIND_ADDR", "LISTEN_ADDR"], help: "address the proxy serves on (default 127.0.0.1:8080)") { configuration, value, field throws(ConfigurationError) in
            configuration.listen = try ConfigurationParsing.listenAddress(value, field: field)
        },
        Setting(flag: "--admin", variables: ["ADMIN_ADDR"], help: "address of /metrics, /healthz, /readyz, /explain (default 127.0.0.1:9090)") { configuration, value, field throws(ConfigurationError) in
            configuration.admin = try ConfigurationParsing.listenAddress(value, field: field)
        },
        Setting(flag: "--upstream", variables: ["UPSTREAM_URL", "DOWNSTREAM_URL"], help: "backend(s) of the catch-all route, http://host:port, comma-separated (default: an embedded demo upstream)") { configuration, value, field throws(ConfigurationError) in
            var upstreams: [(host: String, port: UInt16)] = []
            for part in value.split(separator: ",") { upstreams.append(try ConfigurationParsing.upstream(String(part), field: field)) }
            configuration.upstreams = upstreams
        },
        Setting(flag: "--rps", variables: ["RATE_LIMIT_RPS"], help: "anonymous clients' refill rate per second, per address (default 2)") { configuration, value, field throws(ConfigurationError) in
            let rate = try ConfigurationParsing.rate(value, field: field)
            configuration.anonymous.limits = [LimitSpec(capacity: configuration.anonymous.limits.first?.capacity ?? 5, ratePerSecond: rate, algorithm: .tokenBucket)]
        },
        Setting(flag: "--burst", variables: ["RATE_LIMIT_BURST", "BURST"], help: "anonymous clients' burst, per address (default 5)") { configuration, value, field throws(ConfigurationError) in
            let burst = try ConfigurationParsing.positiveInteger(value, field: field)
            configuration.anonymous.limits = [LimitSpec(capacity: burst, ratePerSecond: configuration.anonymous.limits.first?.ratePerSecond ?? 2, algorithm: .tokenBucket)]
        },
        Setting(flag: "--bucket-ttl", variables: ["BUCKET_TTL"], help: "accepted for compatibility: keys are forgotten once full again (Redis) or evicted least-useful first (memory)") { configuration, value, field throws(ConfigurationError) in
            configuration.bucketTTL = try ConfigurationParsing.duration(value, field: field)
        },
        Setting(flag: "--redis", variables: ["REDIS_ADDR"], help: "share limits through Redis: host:port or redis://[user:password@]host:port/db (default: in memory)") { configuration, value, field throws(ConfigurationError) in
            do {
                configuration.store = .redis(try RedisAddress(value))
            } catch {
                // The address error never repeats a password; neither may the value shown.
                throw ConfigurationError(field: field, value: (try? RedisAddress(value).description) ?? "(not shown: may hold a password)", problem: "\(error)")
            }
        },
        Setting(flag: "--failure-mode", variables: ["FAILURE_MODE", "RATE_LIMIT_FAILURE_MODE"], help: "when the store fails: fail-open, fail-closed, or fallback[:share] (local limits, share in (0,1]; default fallback:1)") { configuration, value, field throws(ConfigurationError) in
            configuration.failureMode = try parseFailureMode(value, field: field)
        },
        Setting(flag: "--store-timeout", variables: ["STORE_TIMEOUT"], help: "longest wait for the store per request (default 50ms)") { configuration, value, field throws(ConfigurationError) in
            configuration.storeTimeout = try ConfigurationParsing.duration(value, field: field)
        },
        Setting(flag: "--max-keys", variables: ["RATE_LIMIT_MAX_KEYS"], help: "keys the in-memory store holds before evicting (default 65536)") { configuration, value, field throws(ConfigurationError) in
            configuration.maximumKeyCount = try ConfigurationParsing.positiveInteger(value, field: field, maximum: 1 << 26)
        },
        Setting(flag: "--key-hash-secret", variables: ["KEY_HASH_SECRET"], help: "secret for hashing API keys in store keys and logs (proxies sharing a Redis must share it; default random)") { configuration, value, _ in
            configuration.keyHashSecret = value
        },
        Setting(flag: "--headers", variables: ["RATE_LIMIT_HEADERS"], help: "rate-limit fields on responses: legacy (X-RateLimit-*), ietf (RateLimit, RateLimit-Policy), both (default), none") { configuration, value, field throws(ConfigurationError) in
            configuration.headerStyle = try parseHeaderStyle(value, field: field)
        },
        Setting(flag: "--error-body", variables: ["RATE_LIMIT_ERROR_BODY"], help: "429 body: json ({\"error\":\"rate_limited\",\"retry_after\":N}, default) or problem (application/problem+json)") { configuration, value, field throws(ConfigurationError) in
            switch value {
            case "json": configuration.errorBodyFormat = .json
            case "problem": configuration.errorBodyFormat = .problemDetails
            default: throw ConfigurationError(field: field, value: value, problem: "expected json or problem")
            }
        },
        Setting(flag: "--trusted-proxies", variables: ["TRUSTED_PROXIES"], help: "CIDRs whose X-Forwarded-For is believed, comma-separated (default none)") { configuration, value, field throws(ConfigurationError) in
            var networks: [IPNetwork] = []
            for part in value.split(separator: ",") {
                guard let network = IPNetwork(String(part)) else {
                    throw ConfigurationError(field: field, value: String(part), problem: "not a CIDR like 10.0.0.0/8 or 2001:db8::/32")
                }
                networks.append(network)
            }
            configuration.trustedProxies = networks
        },
        Setting(flag: "--ipv6-prefix", variables: ["RATE_LIMIT_IPV6_PREFIX"], help: "leading bits of an IPv6 client's address that anonymous limits count by (default 64: one budget per /64; 128: per address)") { configuration, value, field throws(ConfigurationError) in
            configuration.ipv6PrefixLength = try ConfigurationParsing.positiveInteger(value, field: field, maximum: 128)
        },
        Setting(flag: "--shutdown-timeout", variables: ["GRACEFUL_SHUTDOWN_TIMEOUT"], help: "how long requests in flight may finish after SIGTERM (default 10s)") { configuration, value, field throws(ConfigurationError) in
            configuration.gracefulShutdownTimeout = try ConfigurationParsing.duration(value, field: field)
        },
        Setting(flag: "--upstream-timeout", variables: ["UPSTREAM_TIMEOUT"], help: "longest wait for a backend's response head (then 504) and longest silence while its body streams (default 60s)") { configuration, value, field throws(ConfigurationError) in
            configuration.timeouts.upstream = try ConfigurationParsing.duration(value, field: field)
        },
        Setting(flag: "--upstream-connect-timeout", variables: ["UPSTREAM_CONNECT_TIMEOUT"], help: "longest wait for a connection to a backend, pooled or new (then the next backend, or 504; default 5s)") { configuration, value, field throws(ConfigurationError) in
            configuration.timeouts.upstreamConnect = try ConfigurationParsing.duration(value, field: field)
        },
        Setting(flag: "--client-header-timeout", variables: ["CLIENT_HEADER_TIMEOUT"], help: "longest wait for a client's whole request head (then 408; default 10s)") { configuration, value, field throws(ConfigurationError) in
            configuration.timeouts.clientHeader = try ConfigurationParsing.duration(value, field: field)
        },
        Setting(flag: "--client-idle-timeout", variables: ["CLIENT_IDLE_TIMEOUT"], help: "how long a keep-alive connection may sit idle, and a request body stall (default 60s)") { configuration, value, field throws(ConfigurationError) in
            configuration.timeouts.clientIdle = try ConfigurationParsing.duration(value, field: field)
        },
        Setting(flag: "--max-connections", variables: ["MAX_CONNECTIONS"], help: "client connections held at once; one more is answered 503 and closed (default 10000)") { configuration, value, field throws(ConfigurationError) in
            configuration.maximumConnectionCount = try ConfigurationParsing.positiveInteger(value, field: field, maximum: ProxyConfiguration.maximumConnectionCeiling)
        },
        Setting(flag: "--max-connections-per-client", variables: ["MAX_CONNECTIONS_PER_CLIENT"], help: "client connections one address (IPv6: one network, --ipv6-prefix) may hold at once, trusted proxies exempt; one more is answered 503 and closed (default: no such cap)") { configuration, value, field throws(ConfigurationError) in
            configuration.maximumConnectionsPerClient = try ConfigurationParsing.positiveInteger(value, field: field, maximum: ProxyConfiguration.maximumConnectionCeiling)
        },
        Setting(flag: "--upstream-max-connections", variables: ["UPSTREAM_MAX_CONNECTIONS"], help: "connections to each backend held at once; a request past it waits for one up to --upstream-connect-timeout (default: as many as client connections)") { configuration, value, field throws(ConfigurationError) in
            configuration.upstreamMaximumConnections = try ConfigurationParsing.positiveInteger(value, field: field, maximum: ProxyConfiguration.maximumConnectionCeiling)
        },
        Setting(flag: "--event-loops", variables: ["EVENT_LOOPS"], help: "threads serving connections, one event loop each (default: one per CPU the process may use: online CPUs, lowered by taskset, a cpuset or a cgroup CPU quota)") { configuration, value, field throws(ConfigurationError) in
            configuration.eventLoopCount = try ConfigurationParsing.positiveInteger(value, field: field, maximum: ProxyConfiguration.maximumEventLoopCount)
        },
        Setting(flag: "--access-log", variables: ["ACCESS_LOG"], help: "on (default) or off: one JSON line per request on stdout") { configuration, value, field throws(ConfigurationError) in
            switch value {
            case "on": configuration.writesAccessLog = true
            case "off": configuration.writesAccessLog = false
            default: throw ConfigurationError(field: field, value: value, problem: "expected on or off")
            }
        },
    ]

    /// The most `--max-connections` takes: each connection is a descriptor, and far past a
    /// million no process gets that many.
    static let maximumConnectionCeiling = 1 << 20

    /// The most `--event-loops` takes: each loop is a thread with its own epoll set and upstream
    /// pools, and past the machine's CPUs more loops only share them; a typo like 40000 would
    /// otherwise start 40,000 threads.
    static let maximumEventLoopCount = 1024

    static func parseFailureMode(_ value: String, field: String) throws(ConfigurationError) -> FailureMode {
        switch value {
        case "fail-open": return .failOpen
        case "fail-closed": return .failClosed
        case "fallback": return .fallback(share: 1)
        default:
            if value.hasPrefix("fallback:"), let share = Double(value.dropFirst("fallback:".count)), share > 0, share <= 1 {
                return .fallback(share: share)
            }
            throw ConfigurationError(field: field, value: value, problem: "expected fail-open, fail-closed, fallback or fallback:<share in (0,1]>")
        }
    }

    static func parseHeaderStyle(_ value: String, field: String) throws(ConfigurationError) -> RateLimitHeaderStyle {
        switch value {
        case "legacy": return .legacy
        case "ietf": return .ietf
        case "both": return .both
        case "none": return .omitted
        default: throw ConfigurationError(field: field, value: value, problem: "expected legacy, ietf, both or none")
        }
    }

    /// What the command line asks for besides settings.
    enum Command {
        case serve
        case checkConfiguration
        case help
    }

    /// The configuration from defaults, the file, `environment` and `arguments`, in that order
    /// (flags win); the file named by a flag or variable is read first so the others override it.
    static func load(arguments: [String], environment: [String: String]) throws(ConfigurationError) -> (ProxyConfiguration, Command) {
        var command = Command.serve
        var flagValues: [(Setting, String)] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            switch argument {
            case "--help", "-h": return (ProxyConfiguration(), .help)
            case "--check-config": command = .checkConfiguration
            default:
                let (name, inlineValue) = argument.contains("=")
                    ? (String(argument.prefix { $0 != "=" }), String(argument.drop { $0 != "=" }.dropFirst()))
                    : (argument, nil)
                guard let setting = settings.first(where: { $0.flag == name }) else {
                    throw ConfigurationError(field: "command line", value: argument, problem: "unknown option; --help lists them")
                }
                if let inlineValue {
                    flagValues.append((setting, inlineValue))
                } else {
                    guard index < arguments.count else { throw ConfigurationError(field: name, value: "", problem: "needs a value") }
                    flagValues.append((setting, arguments[index]))
                    index += 1
                }
            }
        }
        var configuration = ProxyConfiguration()
        let fileSetting = settings[0]
        let file = flagValues.last { $0.0.flag == fileSetting.flag }?.1 ?? fileSetting.variables.lazy.compactMap { environment[$0] }.first
        if let file {
            configuration.configFile = file
            try configuration.applyFile(at: file)
        }
        for setting in settings.dropFirst() {
            for variable in setting.variables {
                if let value = environment[variable] { try setting.apply(&configuration, value, variable) }
            }
        }
        for (setting, value) in flagValues where setting.flag != fileSetting.flag {
            try setting.apply(&configuration, value, setting.flag)
        }
        return (configuration, command)
    }

    /// The `--help` text: every flag with its variables.
    static var helpText: String {
        var lines = [
            "V5RateLimitProxy — a rate-limiting reverse proxy (stage 5 of the rate-limiting course)",
            "",
            "usage: V5RateLimitProxy [options]",
            "       V5RateLimitProxy --check-config [options]   validate the configuration and exit (0 valid, 2 invalid)",
            "",
            "With no options it serves on 127.0.0.1:8080 in front of an embedded demo upstream, with an",
            "in-memory store and the admin endpoints on 127.0.0.1:9090.",
            "",
            "Precedence: defaults < JSON file < environment variables < flags. Flags take a value as",
            "`--flag value` or `--flag=value`. Signals: SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the",
            "JSON file (routes, tiers, keys, policies), keeping the old configuration if the new one is invalid.",
            "",
            "options (environment variables in brackets):",
        ]
        for setting in settings {
            lines.append("  \(setting.flag) <value>  [\(setting.variables.joined(separator: ", "))]")
            lines.append("      \(setting.help)")
        }
        lines.append("  --check-config")
        lines.append("      validate and exit")
        lines.append("  --help")
        lines.append("      this text")
        lines.append("")
        lines.append("The JSON file's format: docs/rate-limit-proxy.md; an example: Examples/rate-limit-proxy.json.")
        return lines.joined(separator: "\n")
    }
}
