import HTTPEngine
import RedisClient
import RedisTestSupport
import Testing
@testable import V5ProductionLimiter

/// Clock trouble between a host and Redis shows up as a metric, once per jump.
@Suite struct ClockDriftTests {
    @Test func aJumpBeyondTheThresholdIsReportedOnceAndSmallWobblesAreNot() {
        let local = ManualClock()
        let metrics = PrometheusMetrics()
        let watch = ClockDriftWatch(threshold: .seconds(1), metrics: metrics) { local.now.nanoseconds / 1000 }
        var server: Int64 = 1_700_000_000_000_000
        watch.observe(serverMicroseconds: server)
        // Both clocks advance together, with network-delay wobble: nothing to report.
        for step in 0..<10 {
            local.advance(by: .milliseconds(100))
            server += 100_000 + Int64(step % 3) * 20_000
            watch.observe(serverMicroseconds: server)
        }
        #expect(metrics.render().contains("ratelimit_store_clock_drift_warnings_total 0"))
        // The server's clock steps 5 s ahead: reported once, with its size, then it is the new normal.
        server += 5_000_000
        watch.observe(serverMicroseconds: server)
        watch.observe(serverMicroseconds: server)
        let text = metrics.render()
        #expect(text.contains("ratelimit_store_clock_drift_warnings_total 1"))
        // 5 s plus the 180 ms the wobbles had added since the reference.
        #expect(text.contains("ratelimit_store_clock_drift_seconds 5.18"))
    }

    @Test(.enabled(if: RedisServerAvailability.shouldRun, "redis-server is not installed"))
    func theRedisStoreReportsItsServersClockJumping() async throws {
        let server = try await RedisServerProcess.start()
        defer { server.stop() }
        let redisTime = ManualClock(startingAt: MonotonicInstant(nanoseconds: 1_000_000_000_000))
        let hostTime = ManualClock()
        let metrics = PrometheusMetrics()
        let pool = RedisConnectionPool(
            address: RedisAddress(host: "127.0.0.1", port: server.port), eventLoopGroup: RedisStoreLoops.group,
            configuration: .patient
        )
        let store = RedisStore(
            pool: pool, keyPrefix: "drift:", frozenMicroseconds: { redisTime.now.nanoseconds / 1000 },
            clockWatch: ClockDriftWatch(threshold: .seconds(1), metrics: metrics) { hostTime.now.nanoseconds / 1000 }
        )
        let request = try RateLimitRequest(key: "k", limits: [RateLimit(name: "10/s", 10, per: .seconds(1))])
        _ = try await store.decide(request)
        redisTime.advance(by: .seconds(3))
        hostTime.advance(by: .seconds(3))
        _ = try await store.decide(request)
        #expect(metrics.render().contains("ratelimit_store_clock_drift_warnings_total 0"))
        redisTime.advance(by: .seconds(30))
        _ = try await store.decide(request)
        #expect(metrics.render().contains("ratelimit_store_clock_drift_warnings_total 1"))
        await pool.shutdown()
    }
}
