import Testing
@testable import HTTPEngine

extension ClientTests {
    /// The generic `ConnectionPool` leasing connections, as the HTTP client uses it: the bounds a
    /// burst of requests attacks.
    @Suite("Leased connection pool")
    struct LeasedPoolTests {
        @Test func queuedRequestFailsAsOverloadedWhenNoConnectionFreesInTime() async throws {
            // The only connection stays busy: its request is never answered.
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                _ = connection.waitForClose()
            }) { upstream in
                try await withCappedClient(to: upstream, maxWaitingRequests: 4, queueTimeout: .milliseconds(200)) { client, loop, request in
                    let holder = Task { try await client.execute(request, on: loop) }
                    #expect(await waitUntil(deadline: .now + .seconds(60)) { upstream.acceptCount == 1 })
                    let queuedAt = ContinuousClock.now
                    await #expect(throws: HTTPEngineError.overloaded("127.0.0.1:\(upstream.port)")) {
                        _ = try await client.execute(request, on: loop)
                    }
                    #expect(ContinuousClock.now - queuedAt >= .milliseconds(200))
                    let isQueueEmpty = try await loop.perform { client.pools(of: loop)!.pools.values.allSatisfy { $0.waiters.isEmpty } }
                    #expect(isQueueEmpty)
                    holder.cancel()
                    await #expect(throws: CancellationError.self) { _ = try await holder.value }
                    #expect(upstream.acceptCount == 1)
                }
            }
        }

        @Test func hostileBurstNeverOpensMoreConnectionsThanTheCap() async throws {
            try await withScriptedUpstream(script: answerEveryRequest) { upstream in
                try await withCappedClient(to: upstream, maxConnections: 3, maxWaitingRequests: 1_000) { client, loop, request in
                    // Child tasks of a task on the loop all ask the pool in the same loop turn.
                    let bodies = try await Task(executorPreference: loop) {
                        try await withThrowingTaskGroup(of: [UInt8].self) { tasks in
                            for _ in 0..<200 {
                                tasks.addTask { try await client.execute(request, on: loop).body.collect(upTo: 16) }
                            }
                            return try await tasks.reduce(into: [[UInt8]]()) { $0.append($1) }
                        }
                    }.value
                    #expect(bodies.count == 200)
                    #expect(bodies.allSatisfy { $0 == Array("ok".utf8) })
                    // Keep-alive connections are reused, never closed: every connect is counted here.
                    #expect(upstream.acceptCount <= 3)
                }
            }
        }
    }
}
