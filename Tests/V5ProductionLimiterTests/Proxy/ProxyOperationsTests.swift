import Foundation
import Glibc
import HTTPEngine
import RedisTestSupport
import Testing

/// Operating the real binary: reload on SIGHUP, shutdown under load, limits shared through a
/// real Redis, and Redis failing under each failure mode.
@Suite(.serialized) struct ProxyOperationsTests {
    let group = try! EventLoopGroup(loopCount: 1)

    /// How many of `count` requests are admitted.
    func admitted(_ count: Int, port: UInt16, client: HTTPClient, headers: [(String, String)] = []) async throws -> Int {
        var admitted = 0
        for _ in 0..<count where try await get(client, port: port, headers: headers).status == 200 { admitted += 1 }
        return admitted
    }

    @Test func sighupReloadsPoliciesAndABadFileKeepsTheRunningOnes() async throws {
        let path = try temporaryFile(#"{"anonymous": {"limits": [{"rps": 0.01, "burst": 2}]}}"#)
        let proxy = try await ProxyProcess.start(arguments: ["--config", path])
        let client = HTTPClient(eventLoopGroup: group)
        #expect(try await admitted(4, port: proxy.port, client: client) == 2)
        // A new anonymous policy: its limit's name carries its numbers, so it starts full.
        try #"{"anonymous": {"limits": [{"rps": 0.01, "burst": 6}]}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        proxy.send(SIGHUP)
        #expect(await proxy.waitForLifecycleEvent(#""event":"reloaded""#))
        #expect(try await admitted(8, port: proxy.port, client: client) == 6)
        try #"{"anonymous": {"limits": [{"rps": "fast", "burst": 6}]}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        proxy.send(SIGHUP)
        #expect(await proxy.waitForLifecycleEvent(#""event":"reload_failed""#))
        #expect(proxy.lifecycleLog.contains("anonymous.limits[0].rps"))
        // Still the burst-6 policy, whose state was kept: nothing left.
        #expect(try await admitted(2, port: proxy.port, client: client) == 0)
        await client.shutdown()
    }

    @Test func aClientLeavingBeforeItsAnswerLeavesNoErrorInTheLog() async throws {
        // An upstream that answers `/slow` only when released, so the client leaves while its
        // request is at the upstream; anything else at once.
        let arrived = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let upstream = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            handler: HTTPClosureHandler { request in
                if request.path == "/slow" {
                    arrived.continuation.yield()
                    for await _ in release.stream { break }
                }
                return HTTPResponse(body: .init(string: "answered"))
            },
            eventLoopGroup: group
        )
        let upstreamPort = try await upstream.start().port
        let proxy = try await ProxyProcess.start(arguments: ["--upstream", "http://127.0.0.1:\(upstreamPort)"])
        var leaving: BlockingHTTPClient? = try BlockingHTTPClient(port: proxy.port)
        try leaving?.send(raw: Array("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
        for await _ in arrived.stream { break }
        leaving = nil
        // The proxy is still serving, and says nothing about the client that left.
        let next = try BlockingHTTPClient(port: proxy.port)
        release.continuation.finish()
        #expect(try await next.get("/").status == 200)
        proxy.send(SIGTERM)
        #expect(await proxy.exitStatus() == 0)
        let lines = proxy.lifecycleLog.split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") }, "every line JSON: \(lines)")
        #expect(!lines.contains { $0.contains("error") || $0.contains("failed") }, "\(lines)")
        await upstream.shutdown(gracePeriod: .seconds(1))
    }

    @Test func sigtermUnderLoadFinishesEveryAcceptedRequestAndExitsZero() async throws {
        // An upstream slow enough that requests are in flight when the signal arrives.
        let upstream = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            handler: HTTPClosureHandler { _ in
                try await Task.sleep(for: .milliseconds(300))
                return HTTPResponse(body: .init(string: "done"))
            },
            eventLoopGroup: group
        )
        let upstreamPort = try await upstream.start().port
        let proxy = try await ProxyProcess.start(arguments: ["--upstream", "http://127.0.0.1:\(upstreamPort)", "--burst", "1000", "--rps", "1000"])
        let client = HTTPClient(eventLoopGroup: group)
        let outcomes = try await withThrowingTaskGroup(of: Int.self) { tasks in
            for _ in 0..<30 { tasks.addTask { try await get(client, port: proxy.port).status } }
            // Every request is on its way (accepted by the proxy) before the signal.
            #expect(await waitUntilAdmitted(30, proxy: proxy, client: client))
            proxy.send(SIGTERM)
            return try await tasks.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: 200, count: 30))
        #expect(await proxy.exitStatus() == 0)
        #expect(proxy.lifecycleLog.contains(#""event":"stopped""#))
        await client.shutdown()
        await upstream.shutdown(gracePeriod: .seconds(1))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"), "prlimit (util-linux) is not installed"))
    func runningOutOfDescriptorsPausesAcceptingWithoutSpinningAndResumesWhenSomeAreFree() async throws {
        let limit = 96
        let proxy = try await ProxyProcess.start(arguments: ["--rps", "1000000", "--burst", "1000000"], maximumOpenFiles: limit)
        let kept = try BlockingHTTPClient(port: proxy.port)
        #expect(try await kept.get("/").status == 200)
        // Twice as many connections as descriptors: the kernel completes each handshake, and the
        // proxy's accepts fail with EMFILE once its table is full.
        var flood: [BlockingHTTPClient] = []
        for _ in 0..<(2 * limit) { flood.append(try BlockingHTTPClient(port: proxy.port)) }
        let deadline = ContinuousClock.now + .seconds(30)
        while Self.openDescriptorCount(of: proxy.pid) < limit, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(Self.openDescriptorCount(of: proxy.pid) >= limit)
        // A loop whose listener stayed readable would spin on failing accepts, a core's worth of
        // CPU; paused, it spends next to nothing. The wait is the window the CPU time is read over
        // (another process's, so no clock can be injected).
        let before = Self.cpuTicks(of: proxy.pid)
        try await Task.sleep(for: .seconds(1))
        let spent = Self.cpuTicks(of: proxy.pid) - before
        #expect(spent < sysconf(Int32(_SC_CLK_TCK)) / 2, "\(spent) ticks of CPU in 1 s")
        // Connections already open are served meanwhile.
        #expect(try await kept.get("/").status == 200)
        // Descriptors freed, accepting resumes: a new client is answered.
        flood.removeAll()
        let fresh = try BlockingHTTPClient(port: proxy.port)
        #expect(try await fresh.get("/").status == 200)
    }

    /// How many descriptors process `pid` has open.
    static func openDescriptorCount(of pid: pid_t) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    /// User and system CPU time of process `pid` so far, in clock ticks.
    static func cpuTicks(of pid: pid_t) -> Int {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let afterName = stat.lastIndex(of: ")") else { return 0 }
        // Fields after the command name, which may hold spaces: state is the 3rd field, utime the 14th.
        let fields = stat[stat.index(after: afterName)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    @Test(.enabled(if: RedisServerAvailability.shouldRun, "redis-server is not installed"))
    func twoProxiesSharingRedisEnforceOneLimit() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        let arguments = ["--redis", "127.0.0.1:\(redis.port)", "--burst", "6", "--rps", "0.01", "--failure-mode", "fail-closed"]
        let first = try await ProxyProcess.start(arguments: arguments)
        let second = try await ProxyProcess.start(arguments: arguments)
        let client = HTTPClient(eventLoopGroup: group)
        var total = 0
        for index in 0..<12 where try await get(client, port: index % 2 == 0 ? first.port : second.port).status == 200 { total += 1 }
        #expect(total == 6)
        await client.shutdown()
    }

    @Test(.enabled(if: RedisServerAvailability.shouldRun, "redis-server is not installed"))
    func aRedisThatHangsCostsEachOfManyConcurrentRequestsAtMostTheStoreTimeOut() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        // A 1 s store time-out; the Redis client's own command time-out is 4 s, so a request
        // that waited for it instead would take four times as long.
        let proxy = try await ProxyProcess.start(arguments: ["--redis", "127.0.0.1:\(redis.port)", "--store-timeout", "1s", "--failure-mode", "fail-open"])
        let client = HTTPClient(eventLoopGroup: group)
        let warm = try await get(client, port: proxy.port)
        #expect(warm.status == 200)
        // Connections open, then silence: a hung host, not a refused connect.
        redis.pause()
        let answers = try await withThrowingTaskGroup(of: (Int, String?, Duration).self) { tasks in
            for _ in 0..<100 {
                tasks.addTask {
                    let started = ContinuousClock.now
                    let answer = try await get(client, port: proxy.port)
                    return (answer.status, answer.headers["X-RateLimit-Degraded"], ContinuousClock.now - started)
                }
            }
            return try await tasks.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.allSatisfy { $0.0 == 200 && $0.1 == "fail-open" })
        let slowest = answers.map(\.2).max() ?? .zero
        // The store time-out and some slack for a loaded machine, well below the 4 s the
        // unbounded wait would take.
        #expect(slowest < .seconds(3), "slowest \(slowest)")
        redis.resume()
        await client.shutdown()
    }

    @Test(.enabled(if: RedisServerAvailability.shouldRun, "redis-server is not installed"))
    func sigtermWhileRedisHangsExitsWithinTheDocumentedBound() async throws {
        let redis = try await RedisServerProcess.start()
        defer { redis.stop() }
        // A 3 s store time-out makes the Redis client's command time-out 12 s: the wait the
        // shutdown must not inherit.
        let proxy = try await ProxyProcess.start(arguments: ["--redis", "127.0.0.1:\(redis.port)", "--store-timeout", "3s", "--shutdown-timeout", "1s", "--failure-mode", "fail-open"])
        let client = HTTPClient(eventLoopGroup: group)
        #expect(try await get(client, port: proxy.port).status == 200)
        redis.pause()
        // Decided without the store after its time-out; the script call it sent is still waiting
        // for a reply that will not come.
        let answer = try await get(client, port: proxy.port)
        #expect(answer.status == 200)
        #expect(answer.headers["X-RateLimit-Degraded"] == "fail-open")
        let signalled = ContinuousClock.now
        proxy.send(SIGTERM)
        #expect(await proxy.exitStatus() == 0)
        // docs/deployment.md: the grace period (nothing is in flight here, so at once), then the
        // admin listener, the Redis pool and the upstream client, each 1 s at most.
        #expect(ContinuousClock.now - signalled < .seconds(4))
        #expect(proxy.lifecycleLog.contains(#""event":"stopped""#))
        await client.shutdown()
    }

    @Test(.enabled(if: RedisServerAvailability.shouldRun, "redis-server is not installed"),
          arguments: [("fail-closed", 503, nil), ("fail-open", 200, "fail-open"), ("fallback", 200, "fallback")] as [(String, Int, String?)])
    func redisDownFollowsTheFailureMode(mode: String, status: Int, degraded: String?) async throws {
        let redis = try await RedisServerProcess.start()
        let proxy = try await ProxyProcess.start(arguments: ["--redis", "127.0.0.1:\(redis.port)", "--failure-mode", mode, "--store-timeout", "100ms"])
        let client = HTTPClient(eventLoopGroup: group)
        #expect(try await get(client, port: proxy.port).status == 200)
        redis.kill()
        let started = ContinuousClock.now
        let answer = try await get(client, port: proxy.port)
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(answer.status == status)
        #expect(answer.headers["X-RateLimit-Degraded"] == degraded)
        if mode == "fail-closed" {
            // Readiness follows once the breaker opens: a balancer should stop sending traffic here.
            for _ in 0..<10 { _ = try await get(client, port: proxy.port) }
            #expect(try await get(client, port: proxy.adminPort, path: "/readyz").status == 503)
        }
        redis.stop()
        await client.shutdown()
    }
}

/// Polls the admin metrics until `count` requests have been admitted: they are then inside the
/// proxy (decided, on their way upstream). A real process's state, so polling is the only way.
func waitUntilAdmitted(_ count: Int, proxy: ProxyProcess, client: HTTPClient) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(60)
    let sample = #"ratelimit_decisions_total{outcome="allowed",path="store"} \#(count)"#
    while ContinuousClock.now < deadline {
        if let metrics = try? await get(client, port: proxy.adminPort, path: "/metrics").body, metrics.contains(sample) { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return false
}
