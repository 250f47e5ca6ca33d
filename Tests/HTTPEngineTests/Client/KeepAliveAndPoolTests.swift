import Synchronization
import Testing
@testable import HTTPEngine

/// Replies "ok" with a length to every request until the client closes.
let answerEveryRequest: @Sendable (UpstreamConnection) throws -> Void = { connection in
    while try connection.readRequest() != nil {
        connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    }
}

/// Answers the first request "ok" but holds back its last byte until `release` opens, so that
/// exchange keeps its connection; then answers every request like `answerEveryRequest`.
func holdingTheFirstAnswer(until release: ThreadGate) -> @Sendable (UpstreamConnection) throws -> Void {
    { connection in
        guard try connection.readRequest() != nil else { return }
        connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no")
        _ = release.wait()
        connection.send("k")
        try answerEveryRequest(connection)
    }
}

extension ClientTests {
    @Suite("Client keep-alive and pool")
    struct KeepAliveAndPoolTests {
        @Test func reusesOneConnectionForSequentialRequests() async throws {
            try await withScriptedUpstream(script: answerEveryRequest) { upstream in
                try await withClient { client in
                    let loop = client.eventLoopGroup.loops[0]
                    for _ in 0..<3 {
                        let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port), on: loop)
                        #expect(response.status.code == 200)
                        #expect(try await response.body.collect(upTo: 1024) == Array("ok".utf8))
                    }
                    #expect(upstream.acceptCount == 1)
                }
            }
        }

        @Test func failsAtOnceWhenConnectionLimitIsReachedAndQueueIsDisabled() async throws {
            let release = ThreadGate()
            try await withScriptedUpstream(script: holdingTheFirstAnswer(until: release)) { upstream in
                try await withClient(configure: {
                    $0.maxConnectionsPerUpstream = 1
                    $0.maxWaitingRequests = 0
                }) { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                    let first = try await client.execute(request, on: loop)
                    await #expect(throws: HTTPEngineError.overloaded("127.0.0.1:\(upstream.port)")) {
                        _ = try await client.execute(request, on: loop)
                    }
                    #expect(HTTPEngineError.overloaded("").status == .serviceUnavailable)
                    release.open()
                    #expect(try await first.body.collect(upTo: 16) == Array("ok".utf8))
                    #expect(upstream.acceptCount == 1)
                }
            }
        }

        @Test func aFullWaitingQueueRefusesTheRestAtOnceAndServesTheQueuedOnesAfterwards() async throws {
            let release = ThreadGate()
            // The first answer holds the pool's one connection until the test releases it.
            try await withScriptedUpstream(script: holdingTheFirstAnswer(until: release)) { upstream in
                try await withClient(configure: {
                    $0.maxConnectionsPerUpstream = 1
                    $0.maxWaitingRequests = 4
                }) { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                    let first = try await client.execute(request, on: loop)
                    let refusals = AsyncStream<Void>.makeStream()
                    let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                        for _ in 0..<10 {
                            group.addTask {
                                do {
                                    return String(decoding: try await client.execute(request, on: loop).body.collect(upTo: 16), as: UTF8.self)
                                } catch let error as HTTPEngineError where error.code == .overloaded {
                                    refusals.continuation.yield()
                                    return "overloaded"
                                }
                            }
                        }
                        // A guard against a hang only: a queue that takes everything refuses nobody.
                        let guardTask = Task {
                            try? await Task.sleep(for: .seconds(60))
                            refusals.continuation.finish()
                        }
                        // The six beyond the queue are refused while the connection is still busy.
                        var refused = 0
                        for await _ in refusals.stream {
                            refused += 1
                            if refused == 6 { break }
                        }
                        guardTask.cancel()
                        release.open()
                        let firstBody = try await first.body.collect(upTo: 16)
                        #expect(firstBody == Array("ok".utf8))
                        return try await group.reduce(into: [String]()) { $0.append($1) }
                    }
                    #expect(outcomes.count { $0 == "overloaded" } == 6)
                    #expect(outcomes.count { $0 == "ok" } == 4)
                    #expect(upstream.acceptCount == 1)
                }
            }
        }

        @Test func queuedRequestGetsTheConnectionWhenItIsReleased() async throws {
            try await withScriptedUpstream(script: answerEveryRequest) { upstream in
                try await withClient(configure: {
                    $0.maxConnectionsPerUpstream = 1
                    $0.maxWaitingRequests = 8
                }) { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                    try await withThrowingTaskGroup(of: [UInt8].self) { group in
                        for _ in 0..<5 {
                            group.addTask {
                                try await client.execute(request, on: loop).body.collect(upTo: 16)
                            }
                        }
                        for try await body in group { #expect(body == Array("ok".utf8)) }
                    }
                    #expect(upstream.acceptCount == 1)
                }
            }
        }

        @Test func replacesIdleConnectionTheUpstreamClosed() async throws {
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                // Keep-alive promised, then closed while idle (an upstream's idle time-out).
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                connection.close()
            }) { upstream in
                try await withClient { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                    for _ in 0..<2 {
                        let response = try await client.execute(request, on: loop)
                        #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                    }
                    #expect(upstream.acceptCount == 2)
                }
            }
        }

        @Test(arguments: [HTTPMethod.get, .put, .delete, .options])
        func retriesIdempotentRequestWhenPooledConnectionClosesBeforeAnswering(method: HTTPMethod) async throws {
            try await withScriptedUpstream(script: closeOnSecondRequest) { upstream in
                try await withClient { client in
                    var request = HTTPClientRequest(method: method, host: "127.0.0.1", port: upstream.port, target: "/item")
                    if method == .put { request.body = .bytes(Array("item".utf8)) }
                    for _ in 0..<2 {
                        let response = try await client.execute(request)
                        #expect(response.status.code == 200)
                        #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                    }
                    #expect(upstream.acceptCount == 2)
                }
            }
        }

        /// POST is not idempotent; a streamed body cannot be replayed whatever the method.
        @Test(arguments: [(HTTPMethod.post, false), (.put, true)])
        func doesNotRetryWhenPooledConnectionCloses(method: HTTPMethod, isBodyStreamed: Bool) async throws {
            try await withScriptedUpstream(script: closeOnSecondRequest) { upstream in
                try await withClient { client in
                    var request = HTTPClientRequest(method: method, host: "127.0.0.1", port: upstream.port, target: "/orders")
                    request.body = isBodyStreamed
                        ? .stream(GeneratedChunks(totalBytes: 5, chunkSize: 5))
                        : .bytes(Array("order".utf8))
                    let first = try await client.execute(request)
                    #expect(try await first.body.collect(upTo: 16) == Array("ok".utf8))
                    await #expect(throws: HTTPEngineError.connectionClosed(by: "127.0.0.1:\(upstream.port)")) {
                        _ = try await client.execute(request)
                    }
                    #expect(upstream.acceptCount == 1)
                    #expect(HTTPEngineError.connectionClosed().status == .badGateway)
                }
            }
        }

        @Test func closesConnectionWhenRequestAsksForClose() async throws {
            try await withScriptedUpstream(script: answerEveryRequest) { upstream in
                try await withClient { client in
                    var request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                    request.headers["Connection"] = "close"
                    for _ in 0..<2 {
                        let body = try await client.execute(request).body.collect(upTo: 16)
                        #expect(body == Array("ok".utf8))
                    }
                    #expect(upstream.acceptCount == 2)
                }
            }
        }

        @Test func closesPooledConnectionAfterIdleTimeout() async throws {
            let closed = ThreadGate()
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                if connection.waitForClose() { closed.open() }
            }) { upstream in
                try await withClient(configure: { $0.idleTimeout = .milliseconds(200) }) { client in
                    let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                    #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                    let didClose = try await closed.wait()
                    #expect(didClose)
                }
            }
        }

        @Test func shutdownClosesIdleConnections() async throws {
            let closed = ThreadGate()
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                if connection.waitForClose() { closed.open() }
            }) { upstream in
                try await withClient { client in
                    let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                    #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                    await client.shutdown()
                    let didClose = try await closed.wait()
                    #expect(didClose)
                }
            }
        }

        @Test func connectionsBeyondTheIdleCapAreClosedWhenTheirRequestsFinish() async throws {
            let concurrent = 12
            let idleCap = 4
            let arrived = Atomic<Int>(0)
            let closed = Atomic<Int>(0)
            let release = ThreadGate()
            // Every request is held until all have their own connection, so twelve are open at once.
            try await withScriptedUpstream(script: { connection in
                guard try connection.readRequest() != nil else { return }
                arrived.add(1, ordering: .releasing)
                _ = release.wait()
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                if connection.waitForClose() { closed.add(1, ordering: .releasing) }
            }) { upstream in
                try await withClient(configure: { $0.maxIdleConnectionsPerUpstream = idleCap }) { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                    try await withThrowingTaskGroup(of: [UInt8].self) { group in
                        for _ in 0..<concurrent {
                            group.addTask { try await client.execute(request, on: loop).body.collect(upTo: 16) }
                        }
                        #expect(await waitUntil(deadline: .now + .seconds(60)) { arrived.load(ordering: .acquiring) == concurrent })
                        release.open()
                        for try await body in group { #expect(body == Array("ok".utf8)) }
                    }
                    // The pool keeps `idleCap` for reuse and closes the rest, rather than holding
                    // every connection a burst ever opened.
                    #expect(await waitUntil(deadline: .now + .seconds(60)) { closed.load(ordering: .acquiring) == concurrent - idleCap })
                    #expect(try await client.idleConnectionsForTesting().count == idleCap)
                }
            }
        }

        @Test func closesConnectionWhenResponseBodyIsDroppedUnread() async throws {
            try await withScriptedUpstream(script: { connection in
                guard try connection.readRequest() != nil else { return }
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234")
                // The client must give up on this connection rather than wait for the rest.
                _ = connection.waitForClose()
            }) { upstream in
                try await withClient(configure: { $0.maxConnectionsPerUpstream = 1 }) { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                    do {
                        let response = try await client.execute(request, on: loop)
                        #expect(response.body.expectedLength == 10)
                    }
                    // The only slot frees up once the dropped body closed the connection.
                    let second = try await client.execute(request, on: loop)
                    #expect(second.status.code == 200)
                    #expect(upstream.acceptCount == 2)
                }
            }
        }

        @Test func aClientDroppedWithoutShutdownIsFreedOnceItsConnectionsClose() async throws {
            // Each pool holds its owner strongly (see `ConnectionPool.owner`); the owner must
            // still go once its last connection closed, or every dropped client would leak.
            try await withScriptedUpstream(script: { connection in
                guard try connection.readRequest() != nil else { return }
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                _ = connection.waitForClose()
            }) { upstream in
                let group = clientTestGroup.group
                let loop = group.loops[0]
                weak var pools: LoopPools?
                try await withTaskExecutorPreference(loop) {
                    let client = HTTPClient(eventLoopGroup: group)
                    let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port), on: loop)
                    #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                    pools = client.pools(of: loop)
                    #expect(pools != nil)
                }
                // A hang guard, not a timing: the connection closes as the response ends.
                let deadline = ContinuousClock.now + .seconds(30)
                while pools != nil, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(pools == nil)
            }
        }
    }
}

/// Answers the first request, then reads a second one and closes without answering
/// (the race where an upstream times out a keep-alive connection as a request arrives).
let closeOnSecondRequest: @Sendable (UpstreamConnection) throws -> Void = { connection in
    guard try connection.readRequest() != nil else { return }
    connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    guard try connection.readRequest() != nil else { return }
    connection.close()
}
