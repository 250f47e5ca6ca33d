import Glibc
import TestSupport
import Testing
@testable import HTTPEngine

extension ClientTests {
    @Suite("Client errors and time-outs")
    struct ClientErrorTests {
        @Test func reportsRefusedConnection() async throws {
            let refusing = try RefusingPort()
            let port = refusing.port
            try await withClient { client in
                await #expect(throws: HTTPEngineError.connectRefused(to: "127.0.0.1:\(port)")) {
                    _ = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: port))
                }
                // Refused where the host has IPv6 loopback, unreachable where it has none: either way a 502.
                let error = await #expect(throws: HTTPEngineError.self) {
                    _ = try await client.execute(HTTPClientRequest(host: "::1", port: port))
                }
                #expect(error?.status == .badGateway)
            }
            withExtendedLifetime(refusing) {}
            #expect(HTTPEngineError.connectRefused(to: "").status == .badGateway)
        }

        @Test func timesOutSilentUpstreamWithTypedError() async throws {
            try await withScriptedUpstream(script: neverAnswering()) { upstream in
                try await withClient(configure: { $0.responseTimeout = .milliseconds(200) }) { client in
                    let started = ContinuousClock.now
                    await #expect(throws: HTTPEngineError.responseTimeout(from: "127.0.0.1:\(upstream.port)", limit: .milliseconds(200))) {
                        _ = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                    }
                    let elapsed = ContinuousClock.now - started
                    #expect(elapsed >= .milliseconds(150))
                    #expect(elapsed < .seconds(15))
                }
            }
            #expect(HTTPEngineError.Code.responseTimeout.status == .gatewayTimeout)
        }

        @Test func timesOutUpstreamThatStallsMidBody() async throws {
            try await withScriptedUpstream(script: { connection in
                guard try connection.readRequest() != nil else { return }
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234")
                _ = connection.waitForClose()
            }) { upstream in
                try await withClient(configure: { $0.responseTimeout = .milliseconds(200) }) { client in
                    let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                    await #expect(throws: HTTPEngineError.responseTimeout(from: "127.0.0.1:\(upstream.port)", limit: .milliseconds(200))) {
                        _ = try await response.body.collect(upTo: 1024)
                    }
                }
            }
        }

        @Test func timesOutConnectToUpstreamThatNeverAccepts() async throws {
            // A listener that never accepts, with its queue already full: further SYNs are dropped.
            try await withScriptedUpstream(backlog: 0, acceptsConnections: false, script: { _ in }) { upstream in
                let address = try #require(SocketAddress(host: "127.0.0.1", port: upstream.port))
                let fillers = try (0..<2).map { _ in try Socket.startConnect(to: address).descriptor }
                defer { for filler in fillers { close(filler) } }
                try await withClient(configure: { $0.connectTimeout = .milliseconds(200) }) { client in
                    await #expect(throws: HTTPEngineError.connectTimeout(to: "127.0.0.1:\(upstream.port)", limit: .milliseconds(200))) {
                        _ = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                    }
                }
            }
        }

        @Test func timesOutUpstreamThatStopsReadingTheRequestBody() async throws {
            let finished = ThreadGate()
            // Never reads: the socket buffers fill, then the client's own buffer.
            try await withScriptedUpstream(script: { _ in _ = finished.wait() }) { upstream in
                try await withClient(configure: { $0.responseTimeout = .milliseconds(300) }) { client in
                    var request = HTTPClientRequest(method: .put, host: "127.0.0.1", port: upstream.port)
                    request.body = .stream(GeneratedChunks(totalBytes: 50 * 1024 * 1024, chunkSize: 64 * 1024))
                    await #expect(throws: HTTPEngineError.responseTimeout(from: "127.0.0.1:\(upstream.port)", limit: .milliseconds(300))) {
                        _ = try await client.execute(request)
                    }
                }
                finished.open()
            }
        }

        @Test func failsRequestWhoseStreamedBodyDoesNotMatchItsLength() async throws {
            try await withScriptedUpstream(script: answerEveryRequest) { upstream in
                try await withClient { client in
                    var request = HTTPClientRequest(method: .post, host: "127.0.0.1", port: upstream.port)
                    request.body = .stream(GeneratedChunks(totalBytes: 10, chunkSize: 4), length: 5)
                    await #expect(throws: HTTPEngineError.invalidRequest("request body longer than its declared length")) {
                        _ = try await client.execute(request)
                    }
                    request.body = .stream(GeneratedChunks(totalBytes: 10, chunkSize: 4), length: 20)
                    await #expect(throws: HTTPEngineError.invalidRequest("request body shorter than its declared length")) {
                        _ = try await client.execute(request)
                    }
                }
            }
        }

        @Test func reportsFailingRequestBodySourceAsTypedError() async throws {
            try await withScriptedUpstream(script: answerEveryRequest) { upstream in
                try await withClient { client in
                    var request = HTTPClientRequest(method: .post, host: "127.0.0.1", port: upstream.port)
                    request.body = .stream(FailingChunks())
                    let error = await #expect(throws: HTTPEngineError.self) {
                        _ = try await client.execute(request)
                    }
                    guard error?.code == .requestBodyFailed else {
                        Issue.record("expected requestBodyFailed, got \(String(describing: error))")
                        return
                    }
                    #expect(error?.status == .badRequest)
                }
            }
        }

        @Test func cancellingWhileWaitingForTheHeadClosesTheConnection() async throws {
            let closed = ThreadGate()
            try await withScriptedUpstream(script: neverAnswering(openingOnClose: closed)) { upstream in
                try await withClient { client in
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                    let exchange = Task(executorPreference: clientTestGroup.group.loops[0]) {
                        try await client.execute(request)
                    }
                    exchange.cancel()
                    await #expect(throws: CancellationError.self) { _ = try await exchange.value }
                    let didClose = try await closed.wait()
                    #expect(didClose)
                }
            }
        }

        @Test func rejectsRequestThatWouldCorruptTheRequestLine() async throws {
            try await withClient { client in
                await #expect(throws: HTTPEngineError.invalidRequest("target must be non-empty visible ASCII")) {
                    _ = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: 9, target: "/a b"))
                }
                await #expect(throws: HTTPEngineError.invalidRequest("method GET / is not a token")) {
                    _ = try await client.execute(HTTPClientRequest(method: HTTPMethod("GET /"), host: "127.0.0.1", port: 9))
                }
                await #expect(throws: HTTPEngineError.invalidRequest("target must be non-empty visible ASCII")) {
                    _ = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: 9, target: ""))
                }
                await #expect(throws: HTTPEngineError.invalidRequest("method  is not a token")) {
                    _ = try await client.execute(HTTPClientRequest(method: HTTPMethod(""), host: "127.0.0.1", port: 9))
                }
            }
        }

        @Test func reportsUnresolvableHost() async throws {
            try await withClient { client in
                await #expect(throws: HTTPEngineError.unresolvableHost("no-such-host.invalid")) {
                    _ = try await client.execute(HTTPClientRequest(host: "no-such-host.invalid", port: 80))
                }
            }
        }

        @Test func refusesRequestsAfterShutdown() async throws {
            try await withClient { client in
                await client.shutdown()
                await #expect(throws: HTTPEngineError.shutDown) {
                    _ = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: 9))
                }
            }
        }
    }
}

/// One chunk, then the failure a downstream client's disconnect would cause.
struct FailingChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]

    struct AsyncIterator: AsyncIteratorProtocol {
        var hasSentChunk = false

        mutating func next() async throws -> [UInt8]? {
            guard hasSentChunk else {
                hasSentChunk = true
                return Array("partial".utf8)
            }
            throw HTTPEngineError.connectionClosed()
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator()
    }
}
