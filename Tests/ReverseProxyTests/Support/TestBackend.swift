import HTTPEngine
@testable import ReverseProxy

/// An upstream server on loopback (the engine's own `HTTPServer`) that a test can stop and
/// start again on the same port, as a backend that crashes and comes back would.
final class TestBackend: Sendable {
    let handler: any HTTPHandler
    let port: UInt16
    private let server: Mutexed<HTTPServer?>
    private let writeTimeout: Duration

    /// Starts `handler` on an ephemeral port; `writeTimeout` as the server's (tests that stall a
    /// reader on purpose lengthen it).
    init(_ handler: some HTTPHandler, writeTimeout: Duration = HTTPServerConfiguration().writeTimeout) async throws {
        self.handler = handler
        self.writeTimeout = writeTimeout
        let server = HTTPServer(configuration: Self.configuration(port: 0, writeTimeout: writeTimeout), handler: handler)
        port = try await server.start().port
        self.server = Mutexed(server)
    }

    var backend: Backend { Backend(host: "127.0.0.1", port: port) }

    /// Stops at once: listener closed, open connections closed.
    func stop() async {
        guard let server = server.withLock({ server in defer { server = nil }; return server }) else { return }
        await server.shutdown(deadline: .now)
    }

    /// Starts again on the same port.
    func restart() async throws {
        let restarted = HTTPServer(configuration: Self.configuration(port: Int(port), writeTimeout: writeTimeout), handler: handler)
        _ = try await restarted.start()
        server.withLock { $0 = restarted }
    }

    private static func configuration(port: Int, writeTimeout: Duration) -> HTTPServerConfiguration {
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: port, loopCount: 1)
        configuration.headerReadTimeout = .seconds(60)
        configuration.writeTimeout = writeTimeout
        configuration.onHandlerError = nil
        return configuration
    }
}

/// The proxy under test: an `HTTPServer` running a `ReverseProxyHandler` whose client shares its loops.
struct RunningProxy {
    let handler: ReverseProxyHandler
    let port: UInt16
}

/// Runs `body` against a proxy built by `configure` (`loopCount` loops, two unless a test needs
/// one; the client on the same group), shutting server, client and loops down afterwards.
func withProxy(
    clientConfiguration: HTTPClientConfiguration = HTTPClientConfiguration(),
    serverWriteTimeout: Duration = HTTPServerConfiguration().writeTimeout,
    loopCount: Int = 2,
    _ configuration: ReverseProxyConfiguration,
    _ body: (RunningProxy) async throws -> Void
) async throws {
    let group = try EventLoopGroup(loopCount: loopCount)
    let client = HTTPClient(eventLoopGroup: group, configuration: clientConfiguration)
    let handler = try ReverseProxyHandler(configuration: configuration, client: client)
    var serverConfiguration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, loopCount: loopCount)
    serverConfiguration.headerReadTimeout = .seconds(60)
    serverConfiguration.writeTimeout = serverWriteTimeout
    let server = HTTPServer(configuration: serverConfiguration, handler: handler, eventLoopGroup: group)
    let address = try await server.start()
    do {
        try await body(RunningProxy(handler: handler, port: address.port))
    } catch {
        await server.shutdown(gracePeriod: .seconds(1))
        await client.shutdown(gracePeriod: .seconds(1))
        await group.shutdown()
        throw error
    }
    await server.shutdown(gracePeriod: .seconds(1))
    await client.shutdown(gracePeriod: .seconds(1))
    await group.shutdown()
}

/// One pool of `backends` behind a catch-all route.
func catchAllConfiguration(
    _ backends: [any TestUpstream],
    forwarding: ForwardingOptions = ForwardingOptions(),
    healthCheck: HealthCheckConfiguration? = nil,
    clock: any ProxyClock = SystemProxyClock(),
    // Long: a starved ThreadSanitizer run took more than 10 s to get a backend's answer through.
    upstreamTimeout: Duration? = .seconds(60)
) throws -> ReverseProxyConfiguration {
    let pool = try BackendPool(name: "test", backends: backends.map(\.backend), healthCheck: healthCheck, clock: clock)
    return ReverseProxyConfiguration(routes: [Route(pathPrefix: "/", pool: pool)], forwarding: forwarding, upstreamTimeout: upstreamTimeout)
}
