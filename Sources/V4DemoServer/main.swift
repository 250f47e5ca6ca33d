// Stage 4's demo: stage 3's server with the evicting table, a cleanup task and the limiter's counters at /_limiter.
import Dispatch
import Foundation
import HTTPEngine
import V4LongRunningLimiter

/// Writes a line to standard output unbuffered, so a script waiting for "listening" sees it at once.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

if CommandLine.arguments.contains("--help") {
    say("Usage: swift run V4DemoServer   (configured by environment variables)\n\n\(DemoConfiguration.usage)")
    exit(0)
}

let configuration: DemoConfiguration
do {
    configuration = try DemoConfiguration(environment: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("V4DemoServer: invalid \(error)\n\n\(DemoConfiguration.usage)\n".utf8))
    exit(2)
}

/// The API being protected: it says hello and echoes the request path.
let api = HTTPClosureHandler { request in
    // Echo the path only when it needs no JSON escaping; anything else is elided, not escaped.
    let path = request.path
    let isPlain = path.count <= 64 && path.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || "/-_.".unicodeScalars.contains($0)) }
    let body = "{\"message\":\"hello\",\"path\":\"\(isPlain ? path : "…")\"}\n"
    return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "application/json")]), body: .init(string: body))
}
/// One limiter for the whole server, on the system's monotonic clock.
let limiter = KeyedRateLimiter<RateLimitKey, MonotonicClock>(
    limit: configuration.limit, maximumKeyCount: configuration.maximumKeyCount, clock: MonotonicClock()
)
/// The API behind the middleware; generic so the configured extractor's concrete type is used.
func limitedAPI(keyedBy extractor: some RateLimitKeyExtractor) -> some HTTPHandler {
    api.wrapped(in: RateLimitMiddleware(limiter: limiter, keyExtractor: extractor, configuration: configuration.response))
}
/// The limiter's counters as JSON; served outside the limit so a flooded table can still be watched.
func statisticsResponse() -> HTTPResponse {
    let statistics = limiter.statistics
    let body = """
        {"keys":\(statistics.keyCount),"maximum_keys":\(statistics.maximumKeyCount),\
        "full_buckets_evicted":\(statistics.fullBucketsEvicted),\
        "buckets_with_state_evicted":\(statistics.bucketsWithStateEvicted),\
        "idle_buckets_removed":\(statistics.idleBucketsRemoved)}

        """
    return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "application/json")]), body: .init(string: body))
}
/// `/_limiter` answered here, everything else by the limited API.
func routed(_ limited: some HTTPHandler) -> some HTTPHandler {
    HTTPClosureHandler { request in
        request.path == "/_limiter" ? statisticsResponse() : try await limited.handle(request)
    }
}
let server = HTTPServer(
    configuration: HTTPServerConfiguration(host: configuration.host, port: configuration.port),
    handler: routed(limitedAPI(keyedBy: configuration.keyExtractor))
)

// Ctrl-C and SIGTERM shut down gracefully instead of killing in-flight requests.
nonisolated(unsafe) var signalSources: [any DispatchSourceSignal] = []  // kept alive; touched only here, before serving
for signalNumber in [SIGINT, SIGTERM] {
    signal(signalNumber, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
    // `@Sendable` keeps the handler off the main actor: dispatch runs it on its own queue.
    source.setEventHandler { @Sendable in Task.detached { await server.shutdown(gracePeriod: .seconds(2)) } }
    source.resume()
    signalSources.append(source)
}

do {
    let address = try await server.start()
    let limit = configuration.limit
    say("V4DemoServer listening on http://\(address) (capacity \(limit.capacity), refill \(limit.refillRatePerSecond)/s, keyed by \(configuration.keySource), room for \(limiter.maximumKeyCount) keys)")
    // Idle keys are forgotten in small steps on the side; cancelled when the server stops.
    let cleanup = Task { try await limiter.runCleanup(every: .seconds(1), idleFor: configuration.idleTime) }
    try await server.run()
    cleanup.cancel()
} catch {
    FileHandle.standardError.write(Data("V4DemoServer: cannot serve on \(configuration.host):\(configuration.port): \(error)\n".utf8))
    exit(1)
}
