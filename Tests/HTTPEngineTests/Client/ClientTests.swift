import Testing
@testable import HTTPEngine

/// Every client suite, run one test at a time: the tests share one event loop group,
/// and a quiet loop keeps the few cross-thread hand-offs uncontended.
@Suite("Client", .serialized)
struct ClientTests {}

/// The event loops every client test uses; never shut down (the process exit ends them),
/// so no test pays for, or races with, a loop shutdown.
let clientTestGroup: EventLoopGroupBox = EventLoopGroupBox()

/// Holds the shared group; a class so the global is created once, on first use.
final class EventLoopGroupBox: Sendable {
    let group: EventLoopGroup = try! EventLoopGroup(loopCount: 2)
}

/// Runs an `HTTPServer` upstream on the shared test loops (so no loop shutdown
/// follows the test) and always shuts the server down.
func withUpstreamServer(
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    handler: some HTTPHandler,
    _ body: (UInt16) async throws -> Void
) async throws {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, handler: handler, eventLoopGroup: clientTestGroup.group)
    let address = try await server.start()
    do {
        try await body(address.port)
    } catch {
        await server.shutdown(gracePeriod: .seconds(1))
        throw error
    }
    await server.shutdown(gracePeriod: .seconds(1))
}
