import HTTPEngine
import TestSupport
import Testing
import V5ProductionLimiter

/// The traffic families the proxy's `/metrics` adds to the limiter's: what they count, and that
/// Prometheus's own linter accepts them.
@Suite struct HTTPTrafficMetricsTests {
    static let head = HTTPRequestHead(method: .get, target: "/", version: .http1_1, headers: HTTPHeaders())

    /// Metrics after a little of everything: every status class, connections, upstream connects.
    static func exercisedMetrics() -> HTTPTrafficMetrics {
        let metrics = HTTPTrafficMetrics()
        let peer = SocketAddress(host: "192.0.2.1", port: 40_000)!
        for _ in 0..<3 { metrics.connectionOpened(from: peer) }
        metrics.connectionClosed()
        metrics.connectionRefused(from: peer)
        let answers: [(Int, Duration)] = [
            (101, .microseconds(100)), (200, .microseconds(300)), (204, .milliseconds(2)), (304, .milliseconds(30)),
            (429, .microseconds(200)), (404, .milliseconds(1)), (502, .seconds(3)), (504, .seconds(30)),
        ]
        for (code, duration) in answers { metrics.requestFinished(head, status: HTTPStatus(code: code), duration: duration) }
        metrics.upstreamConnected("127.0.0.1:9000")
        metrics.upstreamConnectFailed("127.0.0.1:9001", error: HTTPEngineError(.connectRefused, address: "127.0.0.1:9001"))
        return metrics
    }

    @Test func countsResponsesByStatusClassConnectionsRefusedConnectionsAndUpstreamConnects() {
        let text = Self.exercisedMetrics().render()
        #expect(text.contains(#"proxy_responses_total{class="1xx"} 1"#))
        #expect(text.contains(#"proxy_responses_total{class="2xx"} 2"#))
        #expect(text.contains(#"proxy_responses_total{class="3xx"} 1"#))
        #expect(text.contains(#"proxy_responses_total{class="4xx"} 2"#))
        #expect(text.contains(#"proxy_responses_total{class="5xx"} 2"#))
        #expect(text.contains("proxy_connections_accepted_total 3"))
        #expect(text.contains("proxy_connections_open 2"))
        #expect(text.contains("proxy_connections_refused_total 1"))
        #expect(text.contains(#"proxy_upstream_connects_total{result="connected"} 1"#))
        #expect(text.contains(#"proxy_upstream_connects_total{result="failed"} 1"#))
    }

    @Test func durationsFallIntoCumulativeBucketsInSeconds() {
        let text = Self.exercisedMetrics().render()
        #expect(text.contains(#"proxy_request_duration_seconds_bucket{le="0.00025"} 2"#))
        #expect(text.contains(#"proxy_request_duration_seconds_bucket{le="0.0025"} 5"#))
        #expect(text.contains(#"proxy_request_duration_seconds_bucket{le="10"} 7"#))
        #expect(text.contains(#"proxy_request_duration_seconds_bucket{le="+Inf"} 8"#))
        #expect(text.contains("proxy_request_duration_seconds_count 8"))
        #expect(text.contains("proxy_request_duration_seconds_sum 33.0336"))
    }

    @Test func everySeriesExistsBeforeAnythingHappens() {
        let text = HTTPTrafficMetrics().render()
        for statusClass in 1...5 { #expect(text.contains("proxy_responses_total{class=\"\(statusClass)xx\"} 0")) }
        #expect(text.contains("proxy_connections_open 0"))
        #expect(text.contains("proxy_connections_refused_total 0"))
        #expect(text.contains(#"proxy_request_duration_seconds_bucket{le="+Inf"} 0"#))
        #expect(text.contains(#"proxy_upstream_connects_total{result="failed"} 0"#))
    }

    @Test func countsFromManyThreadsAddUpExactly() async {
        let metrics = HTTPTrafficMetrics()
        let peer = SocketAddress(host: "192.0.2.1", port: 40_000)!
        let threads = 24, perThread = 500
        _ = await runOnThreads(threads) { _ in
            for _ in 0..<perThread {
                metrics.connectionOpened(from: peer)
                metrics.requestFinished(Self.head, status: .tooManyRequests, duration: .milliseconds(1))
                metrics.connectionClosed()
            }
        }
        #expect(metrics.responseCount(statusClass: 4) == threads * perThread)
        #expect(metrics.openConnections == 0)
        #expect(metrics.render().contains("proxy_request_duration_seconds_count \(threads * perThread)"))
    }

    @Test(.enabled(if: PromTool.shouldRun, "promtool is not installed (apt-get install prometheus); set CI=1 to make that a failure"))
    func promtoolAcceptsTheExposition() async throws {
        let text = Self.exercisedMetrics().render()
        let result = try await onOwnThread { Result { try PromTool.checkMetrics(text) } }.get()
        #expect(result.status == 0, "promtool check metrics: \(result.output)")
        #expect(result.output.isEmpty, "promtool check metrics: \(result.output)")
    }
}
