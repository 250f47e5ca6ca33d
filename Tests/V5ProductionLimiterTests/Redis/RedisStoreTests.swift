import HTTPEngine
import RedisClient
import RedisTestSupport
import Testing
@testable import V5ProductionLimiter

/// The Redis store against a real redis-server: what only a shared, separate server can show.
@Suite(
    .serialized,
    .enabled(if: RedisServerAvailability.shouldRun, "redis-server is not installed (apt-get install redis-server); set CI=1 to make that a failure")
)
struct RedisStoreTests {
    /// A pool with a command time-out long enough for a loaded, sanitized run: these tests are
    /// about decisions, not time-outs (the one that is passes its own).
    func pool(port: UInt16, group: EventLoopGroup = RedisStoreLoops.group, commandTimeout: Duration = .seconds(30)) -> RedisConnectionPool {
        RedisConnectionPool(
            address: RedisAddress(host: "127.0.0.1", port: port), eventLoopGroup: group,
            configuration: RedisClientConfiguration(commandTimeout: commandTimeout, initialReconnectDelay: .milliseconds(10), maxReconnectDelay: .milliseconds(50))
        )
    }

    @Test func twoInstancesSharingOneRedisAdmitExactlyTheCapacity() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let clock = ManualClock()
        let otherGroup = try EventLoopGroup(loopCount: 1)
        // Two proxies: separate clients on separate loops, one Redis; time stands still, so nothing refills.
        // A generous command time-out: 400 decisions at once on a slow (sanitized, shared) machine
        // must not fail for time; this test is about what is admitted.
        let stores = [
            RedisStore(pool: pool(port: server.port), keyPrefix: "shared:", frozenMicroseconds: { clock.now.nanoseconds / 1000 }),
            RedisStore(pool: pool(port: server.port, group: otherGroup), keyPrefix: "shared:", frozenMicroseconds: { clock.now.nanoseconds / 1000 }),
        ]
        let limits = [try RateLimit(name: "50/m", 50, per: .seconds(60)), try RateLimit(name: "80/h", 80, per: .seconds(3600), algorithm: .slidingWindow)]
        let admitted = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            for index in 0..<400 {
                tasks.addTask { try await stores[index % 2].decide(RateLimitRequest(key: "client", limits: limits)).isAllowed }
            }
            return try await tasks.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 50)
        await stores[0].pool.shutdown()
        await stores[1].pool.shutdown()
        await otherGroup.shutdown()
    }

    @Test func keysCarryThePrefixAHashTagAndExpireWhenForgettable() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let client = pool(port: server.port)
        let store = RedisStore(pool: client, keyPrefix: "app:")
        let limit = try RateLimit(name: "10/100s", 10, per: .seconds(100))
        _ = try await store.decide(RateLimitRequest(key: "ip:192.0.2.7", limits: [limit]))
        #expect(try await client.send(["KEYS", "*"]) == .array([.bulk("app:{ip:192.0.2.7}:10/100s")]))
        // One unit spent of a bucket refilling one per 10 s: full again after 10 s, plus the
        // script's second of slack; the lower bound leaves a slow machine 6 s between the calls.
        guard case .integer(let milliseconds) = try await client.send(["PTTL", "app:{ip:192.0.2.7}:10/100s"]) else {
            Issue.record("PTTL did not answer an integer")
            return
        }
        #expect((5_000...11_000).contains(milliseconds))
        await client.shutdown()
    }

    /// A client that keeps knocking after its limit is spent must not keep its keys alive past
    /// the time they stop mattering: each refusal leaves the expiry at most time-to-full (token
    /// bucket) or two windows (sliding window), plus the script's second of slack.
    @Test func refusedRequestsNeverPushAKeysExpiryPastWhenItStopsMattering() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let client = pool(port: server.port)
        let store = RedisStore(pool: client, keyPrefix: "app:")
        for (limit, bound) in [
            (try RateLimit(name: "5/100s", 5, per: .seconds(100)), 101_000),
            (try RateLimit(name: "5/10s-sliding", 5, per: .seconds(10), algorithm: .slidingWindow), 21_000),
        ] {
            let request = try RateLimitRequest(key: "knocker", limits: [limit])
            var admitted = 0
            var longest = 0
            for _ in 0..<60 {
                if try await store.decide(request).isAllowed { admitted += 1 }
                let keys = try await client.send(["KEYS", "app:{knocker}:\(limit.name)*"])
                guard let names = keys.elements?.compactMap({ $0.bytes.map { String(decoding: $0, as: UTF8.self) } }) else {
                    Issue.record("KEYS answered \(keys)")
                    return
                }
                for name in names {
                    guard case .integer(let milliseconds) = try await client.send(["PTTL", name]) else { continue }
                    // -1 would be a key that never expires.
                    #expect(milliseconds > 0, "\(name)")
                    longest = max(longest, Int(milliseconds))
                }
            }
            #expect(admitted == 5, "\(limit.name)")
            #expect(longest > 0 && longest <= bound, "\(limit.name): \(longest) ms")
        }
        await client.shutdown()
    }

    /// A flood of clients each seen once leaves nothing behind once their window has passed.
    @Test func aFloodOfOneTimeKeysExpiresAfterItsWindow() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let client = pool(port: server.port)
        let store = RedisStore(pool: client, keyPrefix: "app:")
        let limit = try RateLimit(name: "3/1s", 3, per: .seconds(1))
        for index in 0..<2_000 { _ = try await store.decide(RateLimitRequest(key: "ip:10.0.\(index >> 8).\(index & 0xFF)", limits: [limit])) }
        // Not all 2,000 need be there still: on a loaded machine the first expire before the last
        // are made (a CI run counted fewer).
        let made = try await client.send(["DBSIZE"])
        #expect(made != .integer(0), "\(made)")
        // One unit of three spent: full again in a third of a second, plus the second of slack.
        let deadline = ContinuousClock.now + .seconds(15)
        var size = RESPValue.integer(-1)
        while ContinuousClock.now < deadline {
            size = try await client.send(["DBSIZE"])
            if size == .integer(0) { break }
            // Another process expiring keys on its own schedule: nothing to drive, so poll.
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(size == .integer(0))
        await client.shutdown()
    }

    @Test func inspectionReadsStateWithoutWritingAndSurvivesAScriptFlush() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let client = pool(port: server.port)
        let store = RedisStore(pool: client, keyPrefix: "app:")
        let limit = try RateLimit(name: "10/100s", 10, per: .seconds(100))
        _ = try await store.decide(RateLimitRequest(key: "spent", limits: [limit], cost: 4))
        let stored = try await client.send(["GET", "app:{spent}:10/100s"])
        // A server that lost its scripts (restart, SCRIPT FLUSH): the inspection loads its own.
        _ = try await client.send(["SCRIPT", "FLUSH"])
        let spent = try await store.inspect(RateLimitRequest(key: "spent", limits: [limit]))
        #expect(spent.limits.map(\.remaining) == [6])
        #expect(try await client.send(["GET", "app:{spent}:10/100s"]) == stored)
        let unseen = try await store.inspect(RateLimitRequest(key: "unseen", limits: [limit]))
        #expect(unseen.limits.map(\.remaining) == [10])
        #expect(try await client.send(["EXISTS", "app:{unseen}:10/100s"]) == .integer(0))
        #expect(try await client.send(["KEYS", "*"]) == .array([.bulk("app:{spent}:10/100s")]))
        await client.shutdown()
    }

    @Test func inspectionScriptIsDeclaredReadOnly() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let client = pool(port: server.port)
        // The same flags on a script that tries to write: the server refuses it, which is what
        // makes the inspection's read-only promise the server's and not only this code's.
        let writer = RedisScript(RedisStore.inspectionScript.source.prefix { $0 != "\n" } + "\nreturn redis.call('SET', KEYS[1], '1')")
        await #expect(throws: RedisError.self) { try await client.evaluate(writer, keys: ["app:written"], arguments: []) }
        #expect(try await client.send(["EXISTS", "app:written"]) == .integer(0))
        await client.shutdown()
    }

    @Test func serverTimeDrivesDecisionsWithoutAFrozenClock() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let client = pool(port: server.port)
        let store = RedisStore(pool: client)
        // A 3-per-hour bucket: no refill worth a unit during the test, whatever the server's clock.
        let limit = try RateLimit(name: "3/h", 3, per: .seconds(3600))
        var admitted: [Bool] = []
        for _ in 0..<4 { admitted.append(try await store.decide(RateLimitRequest(key: "k", limits: [limit])).isAllowed) }
        #expect(admitted == [true, true, true, false])
        let refused = try await store.decide(RateLimitRequest(key: "k", limits: [limit]))
        #expect(refused.retryAfter > .seconds(1190) && refused.retryAfter <= .seconds(1200))
        await client.shutdown()
    }

    @Test(arguments: [FailureMode.failClosed, .failOpen, .fallback(share: 0.5)])
    func redisKilledAndRestartedUnderLoadFollowsThePolicyAndRecovers(_ mode: FailureMode) async throws {
        var server = try await RedisServerProcess.start()
        defer { server.stop() }
        let port = server.port
        let client = pool(port: port, commandTimeout: .seconds(2))
        let store = RedisStore(pool: client, keyPrefix: "load:")
        let timeout = Duration.seconds(1)
        // Breaker probes at once after opening, so recovery is seen as soon as Redis is back.
        let guarded = GuardedStore(
            store: store, mode: mode, timeout: timeout,
            breaker: CircuitBreaker.Configuration(failureThreshold: 3, openDuration: .milliseconds(50)),
            clock: MonotonicClock()
        )
        let limit = try RateLimit(name: "1000/s", 1000, per: .seconds(1))
        let request = try RateLimitRequest(key: "k", limits: [limit])
        // The first answers include connecting and loading the script: wait until the store decides.
        var isWarm = false
        for _ in 0..<50 where !isWarm { isWarm = await guarded.decide(request).path == .store }
        #expect(isWarm)

        /// Decides `count` requests concurrently; the longest wait and every answer.
        func burst(_ count: Int) async -> (longest: Duration, decisions: [PolicyDecision]) {
            await withTaskGroup(of: (Duration, PolicyDecision).self) { tasks in
                for _ in 0..<count {
                    tasks.addTask {
                        let started = ContinuousClock.now
                        let decision = await guarded.decide(request)
                        return (ContinuousClock.now - started, decision)
                    }
                }
                return await tasks.reduce(into: (Duration.zero, [PolicyDecision]())) { result, next in
                    result.longest = max(result.longest, next.0)
                    result.decisions.append(next.1)
                }
            }
        }

        server.kill()
        let whileDown = await burst(50)
        // The policy's time-out bounds every wait, with room for a loaded, sanitized machine.
        #expect(whileDown.longest < timeout + .seconds(5))
        let paths = Set(whileDown.decisions.map(\.path))
        switch mode {
        case .failClosed: #expect(paths == [.failClosed])
        case .failOpen: #expect(paths == [.failOpen])
        case .fallback: #expect(paths == [.fallback])
        }

        server = try await RedisServerProcess.start(port: port)
        // The new server has no script and no state: NOSCRIPT is handled and limits apply again.
        var recovered = false
        for _ in 0..<100 where !recovered {
            recovered = await burst(5).decisions.allSatisfy { $0.path == .store }
            // A pause between polls of a real server coming back; no result depends on its length.
            if !recovered { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(recovered)
        await client.shutdown()
    }
}
