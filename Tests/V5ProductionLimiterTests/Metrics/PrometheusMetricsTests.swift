import TestSupport
import Testing
import V5ProductionLimiter

/// The exposition text: what it counts, and that Prometheus's own linter accepts it.
@Suite struct PrometheusMetricsTests {
    /// Metrics after a little of everything: decisions on every path, errors, a breaker cycle, evictions.
    static func exercisedMetrics() async throws -> PrometheusMetrics {
        let clock = ManualClock()
        let metrics = PrometheusMetrics()
        let store = ScriptedStore(clock: clock)
        let guarded = GuardedStore(
            store: store, mode: .fallback(share: 0.5), timeout: .milliseconds(50),
            breaker: CircuitBreaker.Configuration(failureThreshold: 2, openDuration: .seconds(1)), clock: clock, metrics: metrics
        )
        let request = try RateLimitRequest(key: "a", limits: [RateLimit(name: "2/m", 2, per: .seconds(60))])
        for _ in 0..<3 { _ = await guarded.decide(request) }
        store.behave(.fail(.unreachable("down")))
        for _ in 0..<4 { _ = await guarded.decide(request) }
        let memory = InMemoryStore(maximumKeyCount: 8, clock: clock, metrics: metrics)
        for index in 0..<20 { _ = memory.decideNow(try RateLimitRequest(key: "k\(index)", limits: request.limits)) }
        return metrics
    }

    @Test func countsDecisionsByOutcomeAndPath() async throws {
        let text = try await Self.exercisedMetrics().render()
        #expect(text.contains(#"ratelimit_decisions_total{outcome="allowed",path="store"} 2"#))
        #expect(text.contains(#"ratelimit_decisions_total{outcome="limited",path="store"} 1"#))
        #expect(text.contains(#"ratelimit_decisions_total{outcome="allowed",path="fallback"} 1"#))
        #expect(text.contains(#"ratelimit_decisions_total{outcome="limited",path="fallback"} 3"#))
        #expect(text.contains(#"ratelimit_store_errors_total{kind="unreachable"} 2"#))
        #expect(text.contains(#"ratelimit_store_errors_total{kind="circuit_open"} 2"#))
        #expect(text.contains(#"ratelimit_breaker_state{state="open"} 1"#))
        #expect(text.contains(#"ratelimit_store_latency_seconds_count 5"#))
        #expect(text.contains("ratelimit_live_keys 9"))
        #expect(text.contains(#"ratelimit_key_evictions_total{had_state="true"} 12"#))
    }

    @Test func everySeriesExistsBeforeAnythingHappens() {
        let text = PrometheusMetrics().render()
        #expect(text.contains(#"ratelimit_store_errors_total{kind="timed_out"} 0"#))
        #expect(text.contains(#"ratelimit_breaker_state{state="closed"} 1"#))
        #expect(text.contains(#"ratelimit_store_latency_seconds_bucket{le="+Inf"} 0"#))
    }

    @Test func histogramBucketsAreCumulativeInSeconds() {
        let metrics = PrometheusMetrics()
        metrics.storeAnswered(after: .microseconds(300))
        metrics.storeAnswered(after: .milliseconds(2))
        metrics.storeAnswered(after: .seconds(3))
        let text = metrics.render()
        #expect(text.contains(#"ratelimit_store_latency_seconds_bucket{le="0.00025"} 0"#))
        #expect(text.contains(#"ratelimit_store_latency_seconds_bucket{le="0.0005"} 1"#))
        #expect(text.contains(#"ratelimit_store_latency_seconds_bucket{le="0.0025"} 2"#))
        #expect(text.contains(#"ratelimit_store_latency_seconds_bucket{le="1"} 2"#))
        #expect(text.contains(#"ratelimit_store_latency_seconds_bucket{le="+Inf"} 3"#))
        #expect(text.contains("ratelimit_store_latency_seconds_sum 3.0023"))
    }

    @Test(.enabled(if: PromTool.shouldRun, "promtool is not installed (apt-get install prometheus); set CI=1 to make that a failure"))
    func promtoolAcceptsTheExposition() async throws {
        let text = try await Self.exercisedMetrics().render()
        let result = try await onOwnThread { Result { try PromTool.checkMetrics(text) } }.get()
        #expect(result.status == 0, "promtool check metrics: \(result.output)")
        // promtool exits 0 with lint warnings too; none are acceptable.
        #expect(result.output.isEmpty, "promtool check metrics: \(result.output)")
    }

    @Test func countsFromManyThreadsAddUpExactly() async {
        // Each thread counts in its own stripe's row; the totals are the sums of the rows.
        let metrics = PrometheusMetrics()
        let threads = 24, perThread = 500
        _ = await runOnThreads(threads) { _ in
            for _ in 0..<perThread {
                metrics.decisionMade(outcome: .allowed, path: .store)
                metrics.storeAnswered(after: .milliseconds(2))
            }
        }
        #expect(metrics.decisionCount(outcome: .allowed, path: .store) == threads * perThread)
        #expect(metrics.decisionCount(outcome: .limited, path: .store) == 0)
        let text = metrics.render()
        #expect(text.contains("ratelimit_store_latency_seconds_count \(threads * perThread)"))
        #expect(text.contains(#"ratelimit_store_latency_seconds_bucket{le="0.001"} 0"#))
        #expect(text.contains("ratelimit_store_latency_seconds_sum 24"))
    }
}
