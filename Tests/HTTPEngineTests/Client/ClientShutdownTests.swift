import Testing
@testable import HTTPEngine

extension ClientTests {
    @Suite("Client shutdown")
    struct ClientShutdownTests {
        @Test func shutdownReturnsOnlyAfterTheRequestInFlightCompletes() async throws {
            let received = ThreadGate()
            let release = ThreadGate()
            let closed = ThreadGate()
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                received.open()
                _ = release.wait()
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                if connection.waitForClose() { closed.open() }
            }) { upstream in
                try await withClient { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let events = EventLog()
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                    let inFlight = Task {
                        let body = try await client.execute(request, on: loop).body.collect(upTo: 16)
                        events.append("response")
                        return body
                    }
                    let receivedOpened = try await received.wait()
                    #expect(receivedOpened)
                    // Two calls: the second must return no earlier than the first.
                    let shutdowns = (0..<2).map { _ in
                        Task {
                            await client.shutdown()
                            events.append("shutdown")
                        }
                    }
                    #expect(await waitUntil(deadline: .now + .seconds(60)) {
                        let isShutDown = client.isShutDown.load(ordering: .acquiring)
                        return isShutDown
                    })
                    // Shutdown cannot finish while the upstream holds the answer back.
                    #expect(await waitUntil(deadline: .now + .seconds(60)) { (try? await loop.perform { client.pools(of: loop)!.isShutDown }) == true })
                    #expect(events.entries.isEmpty)
                    release.open()
                    let body = try await inFlight.value
                    #expect(body == Array("ok".utf8))
                    for shutdown in shutdowns { await shutdown.value }
                    // Both calls returned (after the exchange ended; the reader may resume later).
                    #expect(events.entries.filter { $0 == "shutdown" }.count == 2)
                    let closedOpened = try await closed.wait()
                    #expect(closedOpened)
                }
            }
        }

        @Test func shutdownWaitsForAResponseBodyStillStreaming() async throws {
            let release = ThreadGate()
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no")
                _ = release.wait()
                connection.send("k")
                _ = connection.waitForClose()
            }) { upstream in
                try await withClient { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port), on: loop)
                    let events = EventLog()
                    let shutdown = Task {
                        await client.shutdown()
                        events.append("shutdown")
                    }
                    #expect(await waitUntil(deadline: .now + .seconds(60)) { (try? await loop.perform { client.pools(of: loop)!.isShutDown }) == true })
                    #expect(events.entries.isEmpty)
                    release.open()
                    #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                    await shutdown.value
                    #expect(events.entries == ["shutdown"])
                }
            }
        }

        @Test func requestAfterShutdownFailsAtOnceWithoutConnecting() async throws {
            try await withScriptedUpstream(script: answerEveryRequest) { upstream in
                try await withClient { client in
                    await client.shutdown()
                    let started = ContinuousClock.now
                    let error = await #expect(throws: HTTPEngineError.shutDown) {
                        _ = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                    }
                    #expect(error?.status == .serviceUnavailable)
                    #expect(ContinuousClock.now - started < .seconds(1))
                    #expect(upstream.acceptCount == 0)
                }
            }
        }

        @Test func gracePeriodEndFailsTheRequestInFlightAndClosesItsConnection() async throws {
            let received = ThreadGate()
            let closed = ThreadGate()
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                received.open()
                // Never answers.
                if connection.waitForClose() { closed.open() }
            }) { upstream in
                try await withClient { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let inFlight = Task { try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port), on: loop) }
                    let receivedOpened = try await received.wait()
                    #expect(receivedOpened)
                    let started = ContinuousClock.now
                    await client.shutdown(gracePeriod: .milliseconds(200))
                    let elapsed = ContinuousClock.now - started
                    #expect(elapsed >= .milliseconds(150))
                    #expect(elapsed < .seconds(30))
                    await #expect(throws: HTTPEngineError.shutDown) { _ = try await inFlight.value }
                    let closedOpened = try await closed.wait()
                    #expect(closedOpened)
                }
            }
        }

        @Test func cancellingTheShutdownTaskEndsTheWaitLikeAnExpiredGracePeriod() async throws {
            let received = ThreadGate()
            let closed = ThreadGate()
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                received.open()
                if connection.waitForClose() { closed.open() }
            }) { upstream in
                try await withClient { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let inFlight = Task { try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port), on: loop) }
                    let receivedOpened = try await received.wait()
                    #expect(receivedOpened)
                    let shutdown = Task { await client.shutdown() }
                    #expect(await waitUntil(deadline: .now + .seconds(60)) { (try? await loop.perform { client.pools(of: loop)!.isShutDown }) == true })
                    shutdown.cancel()
                    await shutdown.value
                    await #expect(throws: HTTPEngineError.shutDown) { _ = try await inFlight.value }
                    let closedOpened = try await closed.wait()
                    #expect(closedOpened)
                }
            }
        }

        @Test func clientDroppedWithoutShutdownStillClosesItsIdleConnectionAfterTheIdleTime() async throws {
            let closed = ThreadGate()
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                if connection.waitForClose() { closed.open() }
            }) { upstream in
                var configuration = HTTPClientConfiguration()
                configuration.idleTimeout = .milliseconds(100)
                var client: HTTPClient? = HTTPClient(eventLoopGroup: clientTestGroup.group, configuration: configuration)
                let response = try await client!.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                // The pooled connection outlives the client; closing it must not touch the freed client.
                client = nil
                let closedOpened = try await closed.wait()
                #expect(closedOpened)
            }
        }

        @Test func gracePeriodEndFailsAResponseBodyStillStreaming() async throws {
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234")
                _ = connection.waitForClose()
            }) { upstream in
                try await withClient { client in
                    let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                    await client.shutdown(gracePeriod: .milliseconds(100))
                    await #expect(throws: HTTPEngineError.shutDown) { _ = try await response.body.collect(upTo: 64) }
                }
            }
        }
    }
}

/// What happened, in order, as seen from several tasks.
final class EventLog: Sendable {
    private let events = Locked<[String]>([])

    var entries: [String] { events.withLock { $0 } }

    func append(_ event: String) {
        events.withLock { $0.append(event) }
    }
}
