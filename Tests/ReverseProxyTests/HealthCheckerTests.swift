import HTTPEngine
import TestSupport
import Testing
@testable import ReverseProxy

@Suite("Active health checks", .serialized)
struct HealthCheckerTests {
    /// A backend whose `/health` answers the status a test sets.
    func backend(answering status: Mutexed<Int>) async throws -> TestBackend {
        try await TestBackend(HTTPClosureHandler { request in
            guard request.path == "/health" else { return HTTPResponse(status: .notFound) }
            return HTTPResponse(status: HTTPStatus(code: status.withLock { $0 }), body: .init(string: "state"))
        })
    }

    func withClient(_ body: (HTTPClient) async throws -> Void) async throws {
        let group = try EventLoopGroup(loopCount: 1)
        let client = HTTPClient(eventLoopGroup: group)
        do {
            try await body(client)
        } catch {
            await client.shutdown()
            await group.shutdown()
            throw error
        }
        await client.shutdown()
        await group.shutdown()
    }

    @Test func healthFlipsOnlyAfterTheThresholdsOfChecksInARowOnTheClocksSchedule() async throws {
        let status = Mutexed(200)
        let server = try await backend(answering: status)
        defer { Task { await server.stop() } }
        let clock = ManualProxyClock()
        let checks = HealthCheckConfiguration(path: "/health", interval: .seconds(5), timeout: .seconds(60), healthyThreshold: 2, unhealthyThreshold: 2, jitter: .zero)
        // The check's own time-out is real time; no check here may hit it, however loaded the run.
        let pool = try BackendPool(name: "p", backends: [server.backend], healthCheck: checks, clock: clock)
        try await withClient { client in
            let run = Task { await HealthChecker(pools: [pool], client: client).run() }
            defer { run.cancel() }
            /// Lets one interval pass and returns once the check it started is recorded.
            func nextRound() async {
                clock.advance(by: .seconds(5))
                await clock.waitForSleepers(count: 1)
            }
            await clock.waitForSleepers(count: 1)
            #expect(clock.sleepingDeadlines == [.seconds(5)])
            #expect(pool.status.backends[0].consecutiveCheckSuccesses == 1)

            status.withLock { $0 = 503 }
            await nextRound()
            #expect(pool.status.backends[0].isHealthy)
            #expect(pool.status.backends[0].lastFailure?.contains("503") == true)
            await nextRound()
            #expect(!pool.status.backends[0].isHealthy)
            #expect(pool.status.backends[0].changedAt == .seconds(10))

            status.withLock { $0 = 204 }
            await nextRound()
            #expect(!pool.status.backends[0].isHealthy)
            await nextRound()
            #expect(pool.status.backends[0].isHealthy)
            #expect(pool.status.backends[0].transitionCount == 2)
            #expect(clock.sleepingDeadlines == [.seconds(25)])
        }
    }

    @Test func everyWaitIsTheIntervalPlusAtMostTheJitter() async throws {
        let status = Mutexed(200)
        let server = try await backend(answering: status)
        defer { Task { await server.stop() } }
        let clock = ManualProxyClock()
        let checks = HealthCheckConfiguration(path: "/health", interval: .seconds(5), timeout: .seconds(5), jitter: .seconds(1))
        let pool = try BackendPool(name: "p", backends: [server.backend], healthCheck: checks, clock: clock)
        try await withClient { client in
            let run = Task { await HealthChecker(pools: [pool], client: client).run() }
            defer { run.cancel() }
            await clock.waitForSleepers(count: 1)
            var deadline = try #require(clock.sleepingDeadlines.first)
            // The first check waits up to the jitter, so many backends do not start in step.
            #expect(deadline <= .seconds(1))
            var waits: Set<Duration> = []
            for _ in 0..<8 {
                clock.advance(by: deadline - clock.now)
                await clock.waitForSleepers(count: 1)
                let next = try #require(clock.sleepingDeadlines.first)
                let wait = next - clock.now
                #expect(wait >= .seconds(5) && wait <= .seconds(6), "wait \(wait)")
                waits.insert(wait)
                deadline = next
            }
            #expect(waits.count > 1, "the jitter never varied")
        }
    }

    @Test func aBackendThatSendsAHeadAndThenWithholdsItsBodyFailsTheCheckWithinItsTimeout() async throws {
        let release = TestSignal()
        let stalling = try await TestBackend(HTTPClosureHandler { _ in
            HTTPResponse(status: .ok, body: .stream { writer in
                try await writer.write(Array("partial".utf8))
                await release.wait()
            })
        })
        defer { Task { release.fire(); await stalling.stop() } }
        try await withClient { client in
            let checker = HealthChecker(pools: [], client: client)
            let started = ContinuousClock.now
            let failure = await checker.check(stalling.backend, configuration: HealthCheckConfiguration(path: "/health", timeout: .milliseconds(300)))
            // Before, the check waited for the client's 30 s body time-out (and a trickled body
            // would have held it for as long as the trickle lasted).
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(failure?.contains("timed out") == true)
        }
    }

    @Test func aBackendThatAnswersWithAnEndlessBodyPassesWithoutBeingReadOnPast64KiB() async throws {
        let written = Mutexed(0)
        let writerStopped = TestSignal()
        let endless = try await TestBackend(HTTPClosureHandler { _ in
            HTTPResponse(status: .ok, body: .stream { writer in
                defer { writerStopped.fire() }
                let block = [UInt8](repeating: 0x61, count: 64 * 1024)
                // 1 GiB, were nobody to stop reading: far past any kernel buffer.
                for _ in 0..<16_384 {
                    try await writer.write(block)
                    written.withLock { $0 += block.count }
                }
            })
        })
        defer { Task { await endless.stop() } }
        try await withClient { client in
            let checker = HealthChecker(pools: [], client: client)
            let failure = await checker.check(endless.backend, configuration: HealthCheckConfiguration(path: "/health", timeout: .seconds(60)))
            #expect(failure == nil)
            // The check dropped the connection after 64 KiB: the backend's next writes fail once
            // the kernel's buffers are full, instead of the whole gigabyte going out.
            await writerStopped.wait()
            // 2.8–4.4 MiB in practice: the 64 KiB read and the two sockets' kernel buffers (at
            // most about 10 MiB with Linux's defaults), against the gigabyte on offer.
            #expect(written.withLock { $0 } < 16 * 1024 * 1024)
        }
    }

    @Test func checkFailsOnATimeoutARefusalAndAnErrorStatus() async throws {
        let release = TestSignal()
        let silent = try await TestBackend(HTTPClosureHandler { _ in
            await release.wait()
            return HTTPResponse(status: .ok)
        })
        let status = Mutexed(500)
        let failing = try await backend(answering: status)
        let gone = try RefusingPort()
        defer { Task { release.fire(); await silent.stop(); await failing.stop() } }
        try await withClient { client in
            let checker = HealthChecker(pools: [], client: client)
            let timedOut = await checker.check(silent.backend, configuration: HealthCheckConfiguration(path: "/health", timeout: .milliseconds(200)))
            #expect(timedOut?.contains("timed out") == true)
            // The other checks must not time out, even on a loaded, sanitized run (where 200 ms
            // once turned the 500 into a time-out).
            let configuration = HealthCheckConfiguration(path: "/health", timeout: .seconds(60))
            let refused = await checker.check(gone.backend, configuration: configuration)
            #expect(refused?.contains("refused") == true)
            #expect(await checker.check(failing.backend, configuration: configuration) == "health check /health answered 500")
            status.withLock { $0 = 301 }
            #expect(await checker.check(failing.backend, configuration: configuration) == nil)
        }
    }

    /// A backend whose every pooled connection is held by a slow request is busy, not down: its
    /// probe does not queue behind that traffic. (Through the traffic client's pool, 2
    /// connections both held, the probe waited in the queue for its whole 2 s and the backend
    /// was taken out.)
    @Test func aBackendBusyWithEveryPooledConnectionStillPassesItsCheck() async throws {
        let release = TestSignal()
        let held = Mutexed(0)
        let server = try await TestBackend(HTTPClosureHandler { request in
            guard request.path != "/health" else { return HTTPResponse(status: .ok, body: .init(string: "up")) }
            held.withLock { $0 += 1 }
            await release.wait()
            return HTTPResponse(status: .ok, body: .init(string: "slow"))
        })
        defer { Task { release.fire(); await server.stop() } }
        let group = try EventLoopGroup(loopCount: 1)
        let client = HTTPClient(eventLoopGroup: group, configuration: HTTPClientConfiguration(maxConnectionsPerUpstream: 2, maxIdleConnectionsPerUpstream: 2))
        let traffic = (0..<3).map { _ in
            Task { try await client.execute(HTTPClientRequest(method: .get, host: "127.0.0.1", port: server.port, target: "/slow")).status }
        }
        // Both pooled connections busy (the third request waits in the pool's queue).
        let deadline = ContinuousClock.now + .seconds(30)
        while held.withLock({ $0 }) < 2, ContinuousClock.now < deadline {
            // A pause between polls of the backend's count; no result depends on its length.
            try await Task.sleep(for: .milliseconds(5))
        }
        try #require(held.withLock { $0 } == 2)

        let clock = ManualProxyClock()
        let checks = HealthCheckConfiguration(path: "/health", interval: .seconds(5), timeout: .seconds(2), healthyThreshold: 1, unhealthyThreshold: 1, jitter: .zero)
        let pool = try BackendPool(name: "busy", backends: [server.backend], healthCheck: checks, clock: clock)
        let run = Task { await HealthChecker(pools: [pool], client: client).run() }
        await clock.waitForSleepers(count: 1)
        #expect(pool.status.backends[0].isHealthy)
        #expect(pool.status.backends[0].consecutiveCheckSuccesses == 1, "\(pool.status.backends[0].lastFailure ?? "no failure")")
        run.cancel()
        await run.value

        release.fire()
        for request in traffic { #expect(try await request.value == .ok) }
        await client.shutdown()
        await group.shutdown()
    }
}
