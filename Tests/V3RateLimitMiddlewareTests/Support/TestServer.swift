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
        // Short, so a test that leaves a connection half-written cannot stall shutdown for long.
        headerReadTimeout: .milliseconds(300),
        idleTimeout: .seconds(5),
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
