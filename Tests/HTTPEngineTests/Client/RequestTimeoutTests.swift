import Glibc
import Testing
@testable import HTTPEngine

extension ClientTests {
    @Suite("Client request time-out")
    struct RequestTimeoutTests {
        @Test func requestTimeoutFailsARequestTheUpstreamNeverAnswersAndClosesItsConnection() async throws {
            let closed = ThreadGate()
            try await withScriptedUpstream(script: neverAnswering(openingOnClose: closed)) { upstream in
                try await withClient { client in
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port, timeout: .milliseconds(200))
                    let started = ContinuousClock.now
                    let error = await #expect(throws: HTTPEngineError.requestTimeout) { _ = try await client.execute(request) }
                    let elapsed = ContinuousClock.now - started
                    #expect(elapsed >= .milliseconds(150))
                    // `responseTimeout` is 60 s here: only the request's own limit can explain this.
                    #expect(elapsed < .seconds(30))
                    #expect(error?.status == .gatewayTimeout)
                    let closedOpened = try await closed.wait()
                    #expect(closedOpened)
                }
            }
        }

        @Test func requestTimeoutEndsAHeadTrickledFastEnoughToKeepEveryReadWithinTheResponseTimeOut() async throws {
            let closed = ThreadGate()
            try await withScriptedUpstream(script: { connection in
                guard try connection.readRequest() != nil else { return }
                // One byte of the head every 50 ms, each read far inside `responseTimeout`: 40 s
                // for the whole head, were nothing to cut it short.
                for byte in Array("HTTP/1.1 200 OK\r\nX-Slow: \(String(repeating: "a", count: 800))\r\n\r\n".utf8) {
                    guard connection.send([byte]) else { break }
                    usleep(50_000)
                }
                if connection.waitForClose() { closed.open() }
            }) { upstream in
                try await withClient(configure: { $0.responseTimeout = .seconds(1) }) { client in
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port, timeout: .milliseconds(500))
                    let started = ContinuousClock.now
                    await #expect(throws: HTTPEngineError.requestTimeout) { _ = try await client.execute(request) }
                    // The head's own deadline, not the per-read one the trickle keeps resetting.
                    #expect(ContinuousClock.now - started < .seconds(20))
                    let closedOpened = try await closed.wait()
                    #expect(closedOpened)
                }
            }
        }

        @Test func requestTimeoutCoversTheWaitForAPooledConnection() async throws {
            let release = ThreadGate()
            try await withScriptedUpstream(script: holdingTheFirstAnswer(until: release)) { upstream in
                try await withClient(configure: {
                    $0.maxConnectionsPerUpstream = 1
                    $0.connectTimeout = .seconds(30)
                }) { client in
                    let loop = client.eventLoopGroup.loops[0]
                    var request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                    let first = try await client.execute(request, on: loop)
                    request.timeout = .milliseconds(200)
                    let started = ContinuousClock.now
                    await #expect(throws: HTTPEngineError.requestTimeout) { _ = try await client.execute(request, on: loop) }
                    #expect(ContinuousClock.now - started < .seconds(10))
                    let pool = try #require(await loop.perform { client.pools(of: loop)!.pools[Upstream(host: "127.0.0.1", port: upstream.port)] })
                    #expect(try await loop.perform { pool.waiters.count } == 0)
                    release.open()
                    #expect(try await first.body.collect(upTo: 16) == Array("ok".utf8))
                    // The connection the first request used still serves the next one.
                    let next = try await client.execute(request, on: loop)
                    #expect(try await next.body.collect(upTo: 16) == Array("ok".utf8))
                    #expect(upstream.acceptCount == 1)
                }
            }
        }

        @Test func requestTimeoutCoversAConnectThatDoesNotFinish() async throws {
            // A listener that never accepts, with its queue already full: further SYNs are dropped.
            try await withScriptedUpstream(backlog: 0, acceptsConnections: false, script: { _ in }) { upstream in
                let address = try #require(SocketAddress(host: "127.0.0.1", port: upstream.port))
                let fillers = try (0..<2).map { _ in try Socket.startConnect(to: address).descriptor }
                defer { for filler in fillers { close(filler) } }
                try await withClient(configure: { $0.connectTimeout = .seconds(30) }) { client in
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port, timeout: .milliseconds(200))
                    let started = ContinuousClock.now
                    await #expect(throws: HTTPEngineError.requestTimeout) { _ = try await client.execute(request) }
                    #expect(ContinuousClock.now - started < .seconds(10))
                }
            }
        }

        @Test func requestTimeoutDoesNotCoverReadingTheResponseBody() async throws {
            let release = ThreadGate()
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no")
                _ = release.wait()
                connection.send("k")
                _ = connection.waitForClose()
            }) { upstream in
                try await withClient { client in
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port, timeout: .milliseconds(100))
                    let response = try await client.execute(request)
                    // The claim is about time passing, so time must pass: three times the limit.
                    try await Task.sleep(for: .milliseconds(300))
                    release.open()
                    #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                }
            }
        }

        @Test func nonPositiveRequestTimeoutIsRejected() async {
            await #expect(processExitsWith: .failure) {
                _ = HTTPClientRequest(host: "127.0.0.1", port: 80, timeout: .zero)
            }
            await #expect(processExitsWith: .failure) {
                var request = HTTPClientRequest(host: "127.0.0.1", port: 80)
                request.timeout = .milliseconds(-1)
            }
        }
    }
}
