// Stage 5's rate-limiting reverse proxy: policies (tiers, routes, anonymous clients), a store in
// memory or in Redis behind a failure policy, an admin listener, JSON logs, reload on SIGHUP,
// graceful shutdown on SIGTERM. `--help` lists every option.
import Foundation
import HTTPEngine
import IPAddressing
import RedisClient
import ReverseProxy
import V5ProductionLimiter

let loaded: (ProxyConfiguration, ProxyConfiguration.Command)
do {
    loaded = try ProxyConfiguration.load(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
} catch {
    writeStandardError("V5RateLimitProxy: \(error)\n")
    exit(2)
}
let configuration = loaded.0
switch loaded.1 {
case .help:
    print(ProxyConfiguration.helpText)
    exit(0)
case .checkConfiguration, .serve:
    break
}

// Everything is built before serving, so a bad value fails here with exit 2, not on a request.
let policies: PolicySet
do {
    policies = try configuration.makePolicies()
    // The demo upstream's address is not known yet; a placeholder checks the route table.
    _ = try configuration.makeProxyConfiguration(defaultBackends: configuration.upstreams.isEmpty ? [("127.0.0.1", 1)] : configuration.upstreams)
} catch {
    writeStandardError("V5RateLimitProxy: \(error)\n")
    exit(2)
}
if loaded.1 == .checkConfiguration {
    print("configuration ok: \(policies.tiers.count) tiers, \(configuration.apiKeys.count) API keys, \(configuration.routes.count) routes, store \(configuration.store)")
    exit(0)
}

let group = try EventLoopGroup(loopCount: configuration.eventLoopCount ?? AvailableCPUs.count)
let metrics = PrometheusMetrics()
let traffic = HTTPTrafficMetrics()
let demo = configuration.usesDemoUpstream ? try await DemoUpstream.start(on: group) : nil
let defaultBackends = demo.flatMap { server in server.localAddress.map { [("127.0.0.1", $0.port)] } } ?? configuration.upstreams
// The client's pools are per loop: the backend's share of connections is split between them.
// Its default of 64 per loop was a cap nginx does not have: clients uploading slowly (or reading
// a large answer slowly) held all of them, and every other request to that backend waited and
// got 504. As many idle connections kept as 64 concurrent clients use: with the client's default
// of 16, they made the proxy close and reopen one every ~17 requests (nginx's `keepalive 64`).
let upstreamConnections = configuration.upstreamMaximumConnections ?? configuration.maximumConnectionCount
let upstreamConnectionsPerLoop = (upstreamConnections + group.loops.count - 1) / group.loops.count
var clientConfiguration = HTTPClientConfiguration(
    maxConnectionsPerUpstream: upstreamConnectionsPerLoop,
    maxIdleConnectionsPerUpstream: min(64, upstreamConnectionsPerLoop)
)
clientConfiguration.apply(configuration.timeouts)
clientConfiguration.observer = traffic
let client = HTTPClient(eventLoopGroup: group, configuration: clientConfiguration)
let proxy = ReloadableHandler(try ReverseProxyHandler(configuration: configuration.makeProxyConfiguration(defaultBackends: defaultBackends), client: client))

let redisPool: RedisConnectionPool?
let store: GuardedStore
switch configuration.store {
case .memory:
    redisPool = nil
    store = GuardedStore.inMemory(maximumKeyCount: configuration.maximumKeyCount, metrics: metrics)
case .redis(let address):
    let pool = RedisConnectionPool(address: address, eventLoopGroup: group, configuration: RedisClientConfiguration(commandTimeout: configuration.storeTimeout * 4))
    redisPool = pool
    store = GuardedStore(
        store: RedisStore(pool: pool, keyPrefix: configuration.keyPrefix, metrics: metrics), mode: configuration.failureMode,
        timeout: configuration.storeTimeout, fallbackMaximumKeyCount: configuration.maximumKeyCount, clock: MonotonicClock(), metrics: metrics
    )
}
let limiter = PolicyRateLimitMiddleware(
    policies: policies, store: store,
    addressResolver: ClientAddressResolver(trustedProxies: configuration.trustedProxies),
    configuration: RateLimitResponseConfiguration(headerStyle: configuration.headerStyle, errorBodyFormat: configuration.errorBodyFormat),
    recordsOutcomes: configuration.writesAccessLog
)
let accessLog = configuration.writesAccessLog ? AccessLogWriter(descriptor: 1) : nil
let layers: [any HTTPMiddleware] = accessLog.map { [RequestContextMiddleware(), AccessLogMiddleware(writer: $0), limiter] }
    ?? [RequestContextMiddleware(), limiter]
/// A handler's failure (an answered 500) as a JSON line like every other event; the engine's
/// default writes plain text.
let reportHandlerError: @Sendable (any Error, HTTPRequestHead) -> Void = { error, head in
    JSONLine.lifecycle("handler_error", [("method", head.method.rawValue), ("path", head.path), ("error", "\(error)")])
}
var serverConfiguration = HTTPServerConfiguration(host: configuration.listen.host, port: Int(configuration.listen.port), onHandlerError: reportHandlerError)
serverConfiguration.shutdownGracePeriod = configuration.gracefulShutdownTimeout
serverConfiguration.apply(configuration.timeouts)
serverConfiguration.maxConnections = configuration.maximumConnectionCount
if let maximum = configuration.maximumConnectionsPerClient {
    // A trusted proxy's connections carry many clients: capping them would cap all of those.
    let trustedProxies = configuration.trustedProxies
    serverConfiguration.peerConnectionLimit = PeerConnectionLimit(maximum: maximum, ipv6PrefixLength: configuration.ipv6PrefixLength) { peer in
        trustedProxies.contains { $0.contains(peer) }
    }
}
serverConfiguration.observer = traffic
let server = HTTPServer(configuration: serverConfiguration, handler: MiddlewareChain(layers, handler: proxy), eventLoopGroup: group)
let readiness = Readiness(store: store)
let admin = HTTPServer(
    configuration: HTTPServerConfiguration(host: configuration.admin.host, port: Int(configuration.admin.port), onHandlerError: reportHandlerError),
    handler: AdminHandler(metrics: metrics, traffic: traffic, accessLog: accessLog, limiter: limiter, proxy: proxy, readiness: readiness),
    eventLoopGroup: group
)

/// Re-reads the configuration file; a bad one keeps the running configuration and says why.
@Sendable func reload() async {
    guard let file = configuration.configFile else {
        JSONLine.lifecycle("reload_skipped", [("reason", "no configuration file (--config or CONFIG_FILE)")])
        return
    }
    do {
        var (fresh, _) = try ProxyConfiguration.load(arguments: Array(CommandLine.arguments.dropFirst()), environment: ProcessInfo.processInfo.environment)
        // The server and the HTTP client were made with the time-outs; the routes must agree with them.
        let keptTimeouts = fresh.timeouts != configuration.timeouts
        fresh.timeouts = configuration.timeouts
        let freshPolicies = try fresh.makePolicies()
        let freshProxy = try ReverseProxyHandler(configuration: fresh.makeProxyConfiguration(defaultBackends: demo == nil ? fresh.upstreams : defaultBackends), client: client)
        limiter.replacePolicies(with: freshPolicies)
        proxy.replace(with: freshProxy)
        var fields = [("file", file), ("routes", "\(fresh.routes.count)"), ("tiers", "\(fresh.tiers.count)")]
        if keptTimeouts { fields.append(("timeouts", "changed in the file; kept as started, they take effect at a restart")) }
        JSONLine.lifecycle("reloaded", fields)
    } catch {
        JSONLine.lifecycle("reload_failed", [("file", file), ("error", "\(error)"), ("kept", "the running configuration")])
    }
}

// SIGTERM/SIGINT drain; SIGHUP reloads. Dispatch sources, so handlers run as normal code.
nonisolated(unsafe) var signalSources: [any DispatchSourceSignal] = []  // kept alive; touched only here, before serving
for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
    signal(signalNumber, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
    source.setEventHandler { @Sendable in
        if signalNumber == SIGHUP {
            Task.detached { await reload() }
        } else {
            JSONLine.lifecycle("draining", [("signal", signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"), ("grace_period", "\(configuration.gracefulShutdownTimeout)")])
            readiness.beginDraining()
            server.beginGracefulShutdown()
        }
    }
    source.resume()
    signalSources.append(source)
}

do {
    // The proxy's listener first: readiness must not answer before the port it speaks for accepts.
    let address = try await server.start()
    let adminAddress = try await admin.start()
    if demo != nil {
        let anonymous = policies.anonymous.limits[0]
        // Before the `listening` event, which scripts wait for: whoever sees that line sees this too.
        writeStandardError("""
        V5RateLimitProxy serves http://\(address) in front of an embedded demo upstream.
          Each client address may send bursts of \(anonymous.capacity) requests, refilled at \(anonymous.bucket.refillRatePerSecond)/s. Try:
            for i in $(seq \(anonymous.capacity + 3)); do curl -s -o /dev/null -w '%{http_code} ' http://\(address)/; done; echo
          and expect \(anonymous.capacity) × 200, then 429 (with Retry-After and rate-limit headers: curl -i).
          Metrics and health: http://\(adminAddress)/metrics, /healthz, /readyz; why a client is limited: /explain?address=127.0.0.1&path=/
          Options and the JSON file format: --help.

        """)
    }
    var fields = [("address", "http://\(address)"), ("admin", "http://\(adminAddress)"),
                  ("upstream", demo == nil ? defaultBackends.map { "http://\($0.host):\($0.port)" }.joined(separator: ",") : "embedded demo upstream"),
                  ("store", redisPool.map { "redis \($0.address)" } ?? "memory"), ("event_loops", "\(group.loops.count)")]
    if let maximum = configuration.maximumConnectionsPerClient { fields.append(("max_connections_per_client", "\(maximum)")) }
    if let maximum = configuration.upstreamMaximumConnections { fields.append(("upstream_max_connections", "\(maximum)")) }
    if configuration.bucketTTL != nil { fields.append(("bucket_ttl", "accepted; keys are forgotten once full again (Redis) or evicted least-useful first (memory)")) }
    JSONLine.lifecycle("listening", fields)
    try await server.run()
} catch {
    JSONLine.lifecycle("failed", [("error", "\(error)")])
    exit(1)
}
proxy.stopHealthChecks()
await admin.shutdown(gracePeriod: .seconds(1))
// Bounded: a Redis that stopped answering would otherwise hold the exit for the command time-out.
await redisPool?.shutdown(gracePeriod: .seconds(1))
await client.shutdown(gracePeriod: .seconds(1))
await demo?.shutdown(gracePeriod: .seconds(1))
// Bounded too: a reader that stopped reading would otherwise hold the exit for ever.
if let accessLog, !accessLog.finish(within: .seconds(1)) {
    JSONLine.lifecycle("access_log_unflushed", [("reason", "standard output not read within 1 s")])
}
JSONLine.lifecycle("stopped", [("access_log_dropped_lines", "\(accessLog?.droppedLineCount ?? 0)")])
exit(0)
