import Testing
@testable import HTTPEngine

@Suite("Graceful shutdown")
struct ShutdownTests {
    @Test func finishesInFlightRequestsClosesIdleOnesAndRefusesNewOnes() async throws {
        let handlerStarted = TestSignal()
        let release = TestSignal()
        let handler = HTTPClosureHandler { request in
            if request.path == "/slow" {
                handlerStarted.fire()
                await release.wait()
            }
            return HTTPResponse(body: .init(string: "done"))
        }
        var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 2)
        configuration.headerReadTimeout = .seconds(30)
        let server = HTTPServer(configuration: configuration, handler: handler)
        let port = try await server.start().port

        let idle = try RawClient(port: port)
        let busy = try RawClient(port: port)
        // Make sure `idle` is a served keep-alive connection, not one still being accepted.
        try await blocking { () throws in
            idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try idle.readResponse()?.status == 200)
        }
        busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        await handlerStarted.wait()

        let shutdown = Task { await server.shutdown(deadline: .now + .seconds(20)) }
        try await blocking { #expect(idle.waitForClose()) }
        // Once the idle connection is gone the listeners are closed (beginShutdown closes them first).
        #expect(throws: RawClientError.self) { _ = try RawClient(port: port) }

        release.fire()
        try await blocking { () throws in
            let response = try #require(try busy.readResponse())
            #expect(response.status == 200)
            #expect(response.bodyText == "done")
            #expect(response.headers["connection"] == "close")
            #expect(busy.waitForClose())
        }
        await shutdown.value
        #expect(server.connectionCount == 0)
    }

    @Test func dropsRequestsStillRunningAtTheDeadline() async throws {
        let handlerStarted = TestSignal()
        let neverReleased = TestSignal()
        let handler = HTTPClosureHandler { _ in
            handlerStarted.fire()
            await neverReleased.wait()
            return HTTPResponse()
        }
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 1), handler: handler)
        let port = try await server.start().port
        let client = try RawClient(port: port)
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        await handlerStarted.wait()
        await server.shutdown(deadline: .now + .milliseconds(200))
        try await blocking { #expect(client.waitForClose()) }
        neverReleased.fire()
    }

    @Test func runReturnsAfterCancellation() async throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 1), handler: okHandler)
        _ = try await server.start()
        let running = Task { try await server.run() }
        running.cancel()
        try await running.value
        #expect(server.connectionCount == 0)
    }
}
