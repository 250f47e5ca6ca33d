import Foundation
import HTTPEngine
import ReverseProxy
import BenchmarkServing

/// A reverse proxy with one catch-all route, for the proxy benchmark.
///
/// Usage: ReverseProxyServer PORT LOOPS BACKEND [BACKEND...]   (BACKEND = host:port)
/// Prints "listening on HOST:PORT" once bound; SIGTERM shuts down gracefully.
/// UPSTREAM_TIMEOUT=off in the environment turns the default upstream time-out off, to measure its cost.
/// Request bodies of any size are accepted (the streaming benchmark sends 1 GiB), as nginx's `client_max_body_size 0`.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ReverseProxyServer: \(message)\nusage: ReverseProxyServer PORT LOOPS BACKEND [BACKEND...]\n".utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 3 else { fail("expected a port, a loop count and at least one backend") }
guard let port = Int(arguments[0]), (0...65535).contains(port) else { fail("invalid port \"\(arguments[0])\"") }
guard let loops = Int(arguments[1]), (1...256).contains(loops) else { fail("invalid loop count \"\(arguments[1])\"") }
let backends = arguments.dropFirst(2).map { text -> Backend in
    guard let colon = text.lastIndex(of: ":"), let backendPort = UInt16(text[text.index(after: colon)...]) else {
        fail("invalid backend \"\(text)\" (expected host:port)")
    }
    return Backend(host: String(text[..<colon]), port: backendPort)
}

let group = try EventLoopGroup(loopCount: loops)
// Up to 64 idle upstream connections per loop, as nginx's `keepalive 64` per worker in the
// benchmark: with the default 16, 64 client connections over 2 loops kept opening and closing
// upstream connections (connect was 7 % of the proxy's CPU time in the profile).
let client = HTTPClient(eventLoopGroup: group, configuration: HTTPClientConfiguration(maxIdleConnectionsPerUpstream: 64))
let proxy: ReverseProxyHandler
do {
    let pool = try BackendPool(name: "benchmark", backends: backends)
    var configuration = ReverseProxyConfiguration(routes: [Route(pathPrefix: "/", pool: pool)])
    if ProcessInfo.processInfo.environment["UPSTREAM_TIMEOUT"] == "off" { configuration.upstreamTimeout = nil }
    proxy = try ReverseProxyHandler(configuration: configuration, client: client)
} catch {
    fail("\(error)")
}
let server = HTTPServer(
    configuration: HTTPServerConfiguration(host: "127.0.0.1", port: port, loopCount: loops, maxRequestBodySize: 1 << 50),
    handler: proxy,
    eventLoopGroup: group
)
try await server.serveUntilTerminated()
await client.shutdown(gracePeriod: .seconds(1))
await group.shutdown()
