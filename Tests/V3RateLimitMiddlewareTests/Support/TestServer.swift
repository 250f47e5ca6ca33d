import HTTPEngine

/// Runs `body` against a real server on an ephemeral loopback port, shutting it down afterwards.
func withTestServer<Result>(
    handler: some HTTPHandler,
    _ body: (_ port: UInt16) async throws -> Result
) async throws -> Result {
    let configuration = HTTPServerConfiguration(
        host: "127.0.0.1",
        port: 0,
        loopCount: 1,
        // Generous on purpose. Swift Testing runs synchronous tests (property loops, thread
        // hammering) on the same two cooperative threads, so a socket test can wait seconds to
        // resume between two requests; a short idle time-out then quietly closes a healthy
        // keep-alive connection. Shutdown closes idle connections at once, so nothing waits these out.
        headerReadTimeout: .seconds(60),
        idleTimeout: .seconds(60),
        shutdownGracePeriod: .seconds(1)
    )
    let server = HTTPServer(configuration: configuration, handler: handler)
    let address = try await server.start()
    do {
        let result = try await body(address.port)
        await server.shutdown(gracePeriod: .seconds(1))
        return result
    } catch {
        await server.shutdown(gracePeriod: .seconds(1))
        throw error
    }
}
