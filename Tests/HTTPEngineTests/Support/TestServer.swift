import Foundation
import Synchronization
@testable import HTTPEngine

/// Starts a server on an ephemeral port for one test and always shuts it down.
func withTestServer(
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    handler: some HTTPHandler,
    _ body: (HTTPServer, UInt16) async throws -> Void
) async throws {
    var configuration = testServerConfiguration(loopCount: 2)
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, handler: handler)
    let address = try await server.start()
    do {
        try await body(server, address.port)
    } catch {
        await server.shutdown(gracePeriod: .seconds(1))
        throw error
    }
    await server.shutdown(gracePeriod: .seconds(1))
}

/// A loopback server configuration on an ephemeral port for tests.
///
/// The head time-out is long: under a loaded ThreadSanitizer run a head sent at once was not read
/// within the default 10 s, and ordinary exchanges were answered 408 (twice in CI, the second in
/// `pooledClientConnectionsAreClosedWhenTheirLoopExits`). Tests about the time-out set their own.
func testServerConfiguration(loopCount: Int = AvailableCPUs.count) -> HTTPServerConfiguration {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, loopCount: loopCount)
    configuration.headerReadTimeout = .seconds(60)
    return configuration
}

/// Answers "ok" to everything.
let okHandler = HTTPClosureHandler { _ in HTTPResponse(status: .ok, body: .init(string: "ok")) }

/// Answers "ok" on the spot (`respondImmediately`), counting how often each path is taken.
final class ImmediateOKHandler: HTTPHandler {
    let handleCalls = Atomic<Int>(0)
    let immediateCalls = Atomic<Int>(0)

    func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        handleCalls.add(1, ordering: .relaxed)
        return HTTPResponse(status: .ok, body: .init(string: "ok"))
    }

    func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
        immediateCalls.add(1, ordering: .relaxed)
        return HTTPResponse(status: .ok, body: .init(string: "ok"))
    }
}

/// Echoes the request body (collected) with its method and path in headers.
let echoHandler = HTTPClosureHandler { request in
    let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
    var headers = HTTPHeaders()
    headers["x-method"] = request.method.rawValue
    headers["x-path"] = request.path
    return HTTPResponse(status: .ok, headers: headers, body: .init(bytes: body))
}

