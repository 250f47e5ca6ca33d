import Foundation
import Glibc
import Testing
import TestSupport
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
        configuration.headerReadTimeout = .seconds(60)
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
        let server = HTTPServer(configuration: testServerConfiguration(loopCount: 1), handler: handler)
        let port = try await server.start().port
        let client = try RawClient(port: port)
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        await handlerStarted.wait()
        await server.shutdown(deadline: .now + .milliseconds(200))
        try await blocking { #expect(client.waitForClose()) }
        neverReleased.fire()
    }

    /// A server with a 600 s grace period running `run()`, and a client whose request is in a
    /// handler that never answers on its own: only a stop ends it.
    func runningServerWithARequestInFlight() async throws -> (server: HTTPServer, running: Task<Void, any Error>, client: RawClient, port: UInt16) {
        let handlerStarted = TestSignal()
        let handler = HTTPClosureHandler { _ in
            handlerStarted.fire()
            try await Task.sleep(for: .seconds(600))
            return HTTPResponse()
        }
        var configuration = testServerConfiguration(loopCount: 1)
        configuration.shutdownGracePeriod = .seconds(600)
        let server = HTTPServer(configuration: configuration, handler: handler)
        let port = try await server.start().port
        let running = Task { try await server.run() }
        let client = try RawClient(port: port)
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        await handlerStarted.wait()
        return (server, running, client, port)
    }

    @Test func cancellingRunStopsAtOnceWithARequestInFlight() async throws {
        let (server, running, client, _) = try await runningServerWithARequestInFlight()
        let cancelledAt = ContinuousClock.now
        running.cancel()
        try await running.value
        #expect(ContinuousClock.now - cancelledAt < .seconds(30))
        try await blocking { #expect(client.waitForClose()) }
        #expect(server.connectionCount == 0)
    }

    @Test func cancellingRunCutsAGracefulShutdownShort() async throws {
        let (server, running, _, port) = try await runningServerWithARequestInFlight()
        server.beginGracefulShutdown()
        // The drain has begun (new connections are refused) before run is told to stop now.
        _ = await waitUntil(deadline: .now + .seconds(60)) { (try? RawClient(port: port)) == nil }
        let cancelledAt = ContinuousClock.now
        running.cancel()
        try await running.value
        #expect(ContinuousClock.now - cancelledAt < .seconds(30))
        #expect(server.connectionCount == 0)
    }

    @Test func runReturnsAfterCancellation() async throws {
        let server = HTTPServer(configuration: testServerConfiguration(loopCount: 1), handler: okHandler)
        _ = try await server.start()
        let running = Task { try await server.run() }
        running.cancel()
        try await running.value
        #expect(server.connectionCount == 0)
    }

    @Test func returnsPromptlyWhenAConnectionWasFlushingItsLastResponse() async throws {
        // Larger than loopback socket buffers, so the response is still queued when shutdown starts.
        let body = [UInt8](repeating: 0x61, count: 32 * 1024 * 1024)
        let handler = HTTPClosureHandler { _ in HTTPResponse(body: .init(bytes: body)) }
        var configuration = testServerConfiguration(loopCount: 1)
        configuration.idleTimeout = .seconds(600)
        configuration.writeTimeout = .seconds(600)
        let server = HTTPServer(configuration: configuration, handler: handler)
        let port = try await server.start().port
        let client = try RawClient(port: port)
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        // The first byte means the whole response is encoded and the exchange is over (phase idle).
        _ = try await blocking { try client.readUntilCount(1) }
        let started = ContinuousClock.now
        let shutdown = Task { await server.shutdown(deadline: .now + .seconds(60)) }
        try await blocking { #expect(client.waitForClose(timeout: .seconds(30))) }
        await shutdown.value
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(server.connectionCount == 0)
    }

    @Test func requestArrivingOnAnIdleConnectionAsShutdownStartsIsAnsweredOrCleanlyClosed() async throws {
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.loops[0]
        let server = HTTPServer(configuration: testServerConfiguration(), handler: okHandler, eventLoopGroup: group)
        let port = try await server.start().port
        let client = try RawClient(port: port)
        try await blocking { () throws in
            client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse()?.status == 200)
        }
        // Deterministic race: on the loop thread, the request lands in the server's socket
        // buffer (loopback delivers within `send`) and shutdown starts before epoll reports it.
        let shutdown = try await loop.perform {
            client.send("GET /raced HTTP/1.1\r\nHost: t\r\n\r\n")
            return Task(executorPreference: loop) { await server.shutdown(deadline: .now + .seconds(30)) }
        }
        let outcome = try await blocking { Self.readUntilEndOfStream(client.descriptor) }
        #expect(outcome.errorNumber == 0, "reset instead of a response or a clean close")
        if !outcome.bytes.isEmpty {
            let text = String(decoding: outcome.bytes, as: UTF8.self).lowercased()
            #expect(text.hasPrefix("http/1.1 200"))
            #expect(text.contains("connection: close"))
            #expect(text.hasSuffix("\r\n\r\nok"))
        }
        await shutdown.value
        #expect(server.connectionCount == 0)
        await group.shutdown()
    }

    /// An idle client that, once the lingering close has begun (the server's end of stream
    /// received), keeps trickling bytes, one every 20 ms, so the drain never sees its end of
    /// stream nor its byte limit: the drain's 2 s end it, and shutdown returns then, not at its
    /// 60 s deadline.
    @Test func aClientTricklingIntoALingeringCloseIsCutOffAfterTheDrainTime() async throws {
        let (server, client) = try await Self.serverWithAnIdleConnection(testServerConfiguration(loopCount: 1))
        let started = ContinuousClock.now
        let shutdown = Task { await server.shutdown(deadline: .now + .seconds(60)) }
        try await blocking { #expect(client.waitForClose()) }
        Self.trickle(into: client.descriptor)
        await shutdown.value
        let elapsed = ContinuousClock.now - started
        // The idle grace (250 ms) and the drain (2 s): 2.25 s unloaded, 8.7 s once in a starved
        // ThreadSanitizer run; a drain of 20 s instead of 2 took 20.25 s.
        #expect(elapsed < .seconds(15), "shutdown took \(elapsed)")
        #expect(elapsed >= .seconds(2), "the drain ended before its time: \(elapsed)")
        #expect(server.connectionCount == 0)
        withExtendedLifetime(client) {}
    }

    /// A client idle when shutdown begins that starts a request within the idle grace (250 ms)
    /// and then trickles its head, a byte every 20 ms: the grace lets a request in, but not for
    /// longer than the header time-out (1 s here), and shutdown returns after it, not at its
    /// 60 s deadline.
    @Test func aRequestHeadTricklingInDuringTheIdleGraceIsCutOffByTheHeaderTimeout() async throws {
        var configuration = testServerConfiguration(loopCount: 1)
        configuration.headerReadTimeout = .seconds(1)
        let (server, client) = try await Self.serverWithAnIdleConnection(configuration)
        let started = ContinuousClock.now
        let shutdown = Task { await server.shutdown(deadline: .now + .seconds(60)) }
        client.send("GET /slow HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        Self.trickle(into: client.descriptor)
        await shutdown.value
        let elapsed = ContinuousClock.now - started
        // The header time-out (1 s), then the lingering close's drain (2 s) of a peer still
        // sending: about 3 s unloaded.
        #expect(elapsed < .seconds(15), "shutdown took \(elapsed)")
        #expect(elapsed >= .seconds(1), "the request was cut off before its header time-out: \(elapsed)")
        #expect(server.connectionCount == 0)
        withExtendedLifetime(client) {}
    }

    /// A started server and a client whose connection to it has been answered once and is idle.
    static func serverWithAnIdleConnection(_ configuration: HTTPServerConfiguration) async throws -> (HTTPServer, RawClient) {
        let server = HTTPServer(configuration: configuration, handler: okHandler)
        let client = try RawClient(port: try await server.start().port)
        try await blocking { () throws in
            client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse()?.status == 200)
        }
        return (server, client)
    }

    /// Sends a byte every 20 ms on `descriptor` until the server's close turns the sends into
    /// errors, from a thread of its own, as a sleeping peer is the point.
    static func trickle(into descriptor: Int32) {
        Thread {
            var byte: UInt8 = 0x61
            while send(descriptor, &byte, 1, Int32(MSG_NOSIGNAL)) == 1 { usleep(20_000) }
        }.start()
    }

    /// Everything received until end of stream, and the errno that ended it (0 for a clean end).
    static func readUntilEndOfStream(_ descriptor: Int32) -> (bytes: [UInt8], errorNumber: Int32) {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while poll(&poller, 1, 30_000) > 0 {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 { return (bytes, errno) }
            if count == 0 { return (bytes, 0) }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return (bytes, ETIMEDOUT)
    }
}
