import TestSupport
import Testing
@testable import HTTPEngine

/// The generic `ConnectionPool` sharing connections, as the pipelined client uses it, against
/// real line servers on loopback.
@Suite("Shared connection pool")
struct SharedPoolTests {
    /// A back-off no test outlasts: a full parallel run under ThreadSanitizer once took 35 s for
    /// ten fast-failing requests (the cooperative pool starved), outliving a 30 s delay.
    static let longBackOff = Duration.seconds(600)
    /// How long a test waits for something that takes milliseconds when the machine is not
    /// starved; also the connect and reply time-outs of tests that are not about time-outs (a
    /// starved run once took more than the default 1 s for a connect and its setup reply).
    static let patience = Duration.seconds(60)

    /// Sends `count` requests from child tasks of one task on `loop`, so all queue in one loop
    /// turn; returns each caller's outcome by index.
    static func burst(_ client: PipelinedClient<LineCodec>, on loop: EventLoop, count: Int) async -> [Int: Result<String, HTTPEngineError>] {
        await Task(executorPreference: loop) {
            await withTaskGroup(of: (Int, Result<String, HTTPEngineError>).self) { tasks in
                for index in 0..<count {
                    tasks.addTask {
                        do {
                            return (index, .success(try await client.send("request \(index)")))
                        } catch let error as HTTPEngineError {
                            return (index, .failure(error))
                        } catch {
                            return (index, .failure(HTTPEngineError(.connectionClosed, detail: "\(error)")))
                        }
                    }
                }
                return await tasks.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
        }.value
    }

    @Test func twoConnectionsPerLoopShareABurstAndEachCallerGetsItsOwnReply() async throws {
        let configuration = PipelineConfiguration(connectionsPerLoop: 2, connectTimeout: Self.patience, replyTimeout: Self.patience, maxPendingReplies: 50)
        try await withLineClient(try LineServer(), configuration: configuration) { client, loop async throws in
            _ = try await client.send("warm-up")
            let outcomes = await Self.burst(client, on: loop, count: 100)
            #expect(outcomes.count == 100)
            #expect(outcomes.allSatisfy { (try? $0.value.get()) == "request \($0.key)" })
            let statistics = await client.statistics(on: loop)
            // The first connection took 50, then was full: the second one opened for the rest.
            #expect(statistics.connectionsOpened == 2)
            #expect(statistics.replies == 101)
        }
    }

    @Test func burstFillsOneConnectionBeforeOpeningAnother() async throws {
        let configuration = PipelineConfiguration(connectionsPerLoop: 2, connectTimeout: Self.patience, replyTimeout: Self.patience, maxPendingReplies: 1_000)
        try await withLineClient(try LineServer(), configuration: configuration) { client, loop async throws in
            _ = try await client.send("warm-up")
            let before = await client.statistics(on: loop)
            let outcomes = await Self.burst(client, on: loop, count: 100)
            #expect(outcomes.allSatisfy { (try? $0.value.get()) == "request \($0.key)" })
            let after = await client.statistics(on: loop)
            #expect(after.connectionsOpened == 1)
            #expect(after.writes - before.writes == 1)
        }
    }

    @Test func hostileBurstNeverOpensMoreConnectionsThanTheCap() async throws {
        let configuration = PipelineConfiguration(connectionsPerLoop: 3, connectTimeout: Self.patience, replyTimeout: Self.patience, maxPendingReplies: 2)
        try await withLineClient(try LineServer(), configuration: configuration) { client, loop async throws in
            let outcomes = await Self.burst(client, on: loop, count: 500)
            let answered = outcomes.filter { (try? $0.value.get()) == "request \($0.key)" }
            let refused = outcomes.values.filter { if case .failure(let error) = $0 { error.code == .overloaded } else { false } }
            #expect(answered.count + refused.count == 500)
            // Three connections with room for two requests each.
            #expect(answered.count >= 1 && answered.count <= 6)
            #expect(refused.allSatisfy { if case .failure(let error) = $0 { error.countLimit == 2 } else { false } })
            #expect(await client.statistics(on: loop).connectionsOpened <= 3)
            // Once answered, the same connections serve the next burst: still no more than the cap.
            _ = await Self.burst(client, on: loop, count: 500)
            #expect(await client.statistics(on: loop).connectionsOpened <= 3)
        }
    }

    @Test func brokenConnectionIsReplacedAtOnceWithoutBackingOff() async throws {
        // An unanswered request times out, which ends a connection that had worked.
        let server = try LineServer { $0 == "ignored" ? [] : [$0] }
        let configuration = PipelineConfiguration(
            connectionsPerLoop: 2, connectTimeout: Self.patience, replyTimeout: .milliseconds(200),
            initialReconnectDelay: Self.longBackOff, maxReconnectDelay: Self.longBackOff
        )
        try await withLineClient(server, configuration: configuration) { client, loop async throws in
            #expect(try await client.send("first") == "first")
            await #expect(throws: HTTPEngineError.responseTimeout(from: "127.0.0.1:\(server.port)", limit: .milliseconds(200))) {
                _ = try await client.send("ignored")
            }
            #expect(try await client.send("after") == "after")
            #expect(await client.statistics(on: loop).connectionsOpened == 2)
        }
    }

    @Test func failedConnectBacksOffAndRequestsFailFastMeanwhile() async throws {
        let refusing = try RefusingPort()
        let port = refusing.port
        defer { withExtendedLifetime(refusing) {} }
        let configuration = PipelineConfiguration(connectionsPerLoop: 2, initialReconnectDelay: Self.longBackOff, maxReconnectDelay: Self.longBackOff)
        try await withLineClient(port: port, configuration: configuration) { client, loop async throws in
            let first = await #expect(throws: HTTPEngineError.self) { try await client.send("anyone?") }
            #expect(first?.code == .connectRefused)
            for _ in 0..<10 {
                let again = await #expect(throws: HTTPEngineError.self) { try await client.send("anyone now?") }
                #expect(again?.code == .backingOff)
                #expect((again?.underlying as? HTTPEngineError)?.code == .connectRefused)
            }
            // No connect during the delay, even with room for a second connection.
            #expect(await client.statistics(on: loop).connectionsOpened == 1)
        }
    }

    @Test func refusedSetupBacksOffLikeAFailedConnect() async throws {
        struct Refused: Error {}
        let server = try LineServer { $0 == "login" ? ["refused"] : [$0] }
        defer { server.stop() }
        let configuration = PipelineConfiguration(
            connectTimeout: Self.patience, replyTimeout: Self.patience,
            initialReconnectDelay: Self.longBackOff, maxReconnectDelay: Self.longBackOff
        )
        let setup = PipelineSetup(makeCodec: { LineCodec() }, requests: ["login"], checkReply: { $0 == "refused" ? Refused() : nil })
        try await withLineClient(port: server.port, configuration: configuration, setup: setup) { client, loop async throws in
            let first = await #expect(throws: HTTPEngineError.self) { try await client.send("hello") }
            #expect(first?.code == .setupRejected)
            let again = await #expect(throws: HTTPEngineError.self) { try await client.send("hello again") }
            #expect(again?.code == .backingOff)
            #expect((again?.underlying as? HTTPEngineError)?.code == .setupRejected)
            #expect(await client.statistics(on: loop).connectionsOpened == 1)
        }
    }

    @Test func lookupThatDoesNotAnswerFailsAtTheConnectTimeOutAndFreesItsPlace() async throws {
        let answer = ThreadGate()
        defer { answer.open() }
        var names = HTTPClientConfiguration()
        names.lookup = { _ in
            _ = answer.wait()
            return .failure(.unresolvableHost("redis.test"))
        }
        let group = try EventLoopGroup(loopCount: 1)
        let client = PipelinedClient<LineCodec>(
            host: "redis.test", port: 6379, eventLoopGroup: group,
            // No back-off delay, so the second request looks the name up again at once.
            configuration: PipelineConfiguration(connectTimeout: .milliseconds(200), initialReconnectDelay: .zero, maxReconnectDelay: .zero),
            setup: PipelineSetup(makeCodec: { LineCodec() }), names: names
        )
        for _ in 0..<2 {
            // The second one is not refused as `.overloaded`: the first lookup no longer holds the only place.
            let error = await #expect(throws: HTTPEngineError.self) { try await client.send("hello") }
            #expect(error?.code == .connectTimeout)
            #expect(error?.timeLimit == .milliseconds(200))
        }
        answer.open()
        await client.shutdown()
        await group.shutdown()
    }

    @Test func requestArrivingBeforeAConnectsRequesterQueuesCannotTakeItsPlace() async throws {
        let release = ThreadGate()
        let server = try LineServer { line in
            if line == "held" { _ = release.wait() }
            return [line]
        }
        defer { release.open() }
        // One request per connection, two connections: the first carries an unanswered request.
        let configuration = PipelineConfiguration(connectionsPerLoop: 2, connectTimeout: Self.patience, replyTimeout: .seconds(600), maxPendingReplies: 1)
        try await withLineClient(server, configuration: configuration) { client, loop async throws in
            let held = Task { try await client.send("held", on: loop) }
            #expect(await waitUntil(deadline: .now + Self.patience) { server.linesReceived == 1 })
            let pool = try #require(client.pools[ObjectIdentifier(loop)])
            // Whether each got a connection; nil until called back.
            let outcomes = Locked<(requester: Bool?, latecomer: Bool?, latecomerError: HTTPEngineError.Code?)>((nil, nil, nil))
            // The completion API calls back synchronously when the second connect finishes, which
            // is where a task-based requester would still be waiting to run: a request made right
            // there stands for one that arrives before the requester has queued its own.
            _ = loop.execute {
                pool.acquire(isFresh: false, identifier: 1_000_001, deadline: 0) { requester in
                    outcomes.withLock { $0.requester = (try? requester.get()) != nil }
                    pool.acquire(isFresh: false, identifier: 1_000_002, deadline: 0) { latecomer in
                        outcomes.withLock { outcomes in
                            outcomes.latecomer = (try? latecomer.get()) != nil
                            if case .failure(let error) = latecomer { outcomes.latecomerError = (error as? HTTPEngineError)?.code }
                        }
                    }
                }
            }
            #expect(await waitUntil(deadline: .now + Self.patience) { outcomes.withLock { $0.requester != nil && $0.latecomer != nil } })
            #expect(outcomes.withLock { $0.requester } == true)
            // The new connection's one place is its requester's: the pool is full.
            #expect(outcomes.withLock { $0.latecomer } == false)
            #expect(outcomes.withLock { $0.latecomerError } == .overloaded)
            release.open()
            #expect(try await held.value == "held")
        }
    }

    @Test func shutdownWaitsForTheRepliesOfEveryConnectionThenClosesThem() async throws {
        let release = ThreadGate()
        let server = try LineServer { line in
            if line.hasPrefix("slow") { _ = release.wait() }
            return [line]
        }
        // One request per connection: the two slow ones go out on two connections.
        let configuration = PipelineConfiguration(connectionsPerLoop: 2, connectTimeout: Self.patience, replyTimeout: Self.patience, maxPendingReplies: 1)
        try await withLineClient(server, configuration: configuration) { client, loop async throws in
            let first = Task { try await client.send("slow 1", on: loop) }
            let second = Task { try await client.send("slow 2", on: loop) }
            #expect(await waitUntil(deadline: .now + Self.patience) { server.linesReceived == 2 })
            let shutdown = Task { await client.shutdown() }
            let pool = try #require(client.pools[ObjectIdentifier(loop)])
            #expect(await waitUntil(deadline: .now + Self.patience) { (try? await loop.perform { pool.isDraining }) == true })
            await #expect(throws: HTTPEngineError.shutDown) { _ = try await client.send("too late", on: loop) }
            release.open()
            #expect(try await first.value == "slow 1")
            #expect(try await second.value == "slow 2")
            await shutdown.value
            #expect(try await loop.perform { pool.connections.isEmpty })
            #expect(await client.statistics(on: loop).connectionsOpened == 2)
        }
    }

    @Test func callerWaitingForAConnectStopsWaitingWhenCancelled() async throws {
        let blackHole = try BlackHoleListener()
        defer { blackHole.close() }
        let configuration = PipelineConfiguration(connectTimeout: .seconds(600), replyTimeout: .seconds(600))
        try await withLineClient(port: blackHole.port, configuration: configuration) { client, loop async throws in
            let waiting = Task { try await client.send("hello?", on: loop) }
            #expect(await waitUntil(deadline: .now + Self.patience) { await client.statistics(on: loop).connectionsOpened == 1 })
            let cancelledAt = ContinuousClock.now
            waiting.cancel()
            await #expect(throws: CancellationError.self) { _ = try await waiting.value }
            #expect(ContinuousClock.now - cancelledAt < .seconds(300))
        }
    }
}
