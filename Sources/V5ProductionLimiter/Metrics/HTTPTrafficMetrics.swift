import HTTPEngine

/// What a server and its upstream client saw, as Prometheus families: connections accepted, open
/// and refused over the cap, responses by status class, how long they took, and upstream connects.
///
/// An observer of the engine (`HTTPServerConfiguration.observer`, `HTTPClientConfiguration.observer`)
/// rather than a middleware: the hooks also see the answers no handler gives, the engine's own 400s
/// and 408s, and a middleware would add a layer to every request for what the hooks already know.
/// Status classes rather than codes, as HAProxy's `hrsp_1xx`…`hrsp_5xx` do: five series that exist
/// from the start, at zero (a series that appears with the first 5xx leaves an error-rate alert
/// undefined until then), where one per code would appear only when seen. Limits refused show as
/// 4xx here and by outcome in `ratelimit_decisions_total`.
///
/// Counted like the limiter's metrics: one relaxed atomic add per event in the calling thread's
/// row of `AtomicCounters`, summed when scraped.
public final class HTTPTrafficMetrics: HTTPServerObserver, HTTPClientObserver {
    /// Index 0: connections accepted; 1: connections closed; 2: connections refused over the cap.
    private let connections = AtomicCounters(count: 3)
    /// Index 0 to 4: responses of status 1xx to 5xx.
    private let responses = AtomicCounters(count: 5)
    /// Index 0: upstream connections established; 1: upstream connects that failed.
    private let upstreamConnects = AtomicCounters(count: 2)
    /// From 250 µs (a request answered by the proxy itself) to 10 s (a slow upstream).
    private let durations = LatencyHistogram(boundsNanoseconds: [
        250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000,
        100_000_000, 250_000_000, 500_000_000, 1_000_000_000, 2_500_000_000, 5_000_000_000, 10_000_000_000,
    ])

    /// Everything at zero.
    public init() {}

    public func connectionOpened(from remoteAddress: SocketAddress) {
        connections.add(1, at: 0)
    }

    public func connectionClosed() {
        connections.add(1, at: 1)
    }

    public func connectionRefused(from remoteAddress: SocketAddress) {
        connections.add(1, at: 2)
    }

    public func requestFinished(_ head: HTTPRequestHead, status: HTTPStatus, duration: Duration) {
        // The engine writes codes 100–599 only; the clamp keeps a bug there from indexing out of the row.
        responses.add(1, at: min(max(status.code / 100, 1), 5) - 1)
        durations.observe(duration)
    }

    public func upstreamConnected(_ upstream: String) {
        upstreamConnects.add(1, at: 0)
    }

    public func upstreamConnectFailed(_ upstream: String, error: HTTPEngineError) {
        upstreamConnects.add(1, at: 1)
    }

    /// Responses with a status of `statusClass` (1 to 5) counted so far.
    public func responseCount(statusClass: Int) -> Int {
        (1...5).contains(statusClass) ? responses.value(at: statusClass - 1) : 0
    }

    /// Connections accepted and not yet closed.
    public var openConnections: Int {
        // Closed is read first: a connection accepted and closed between the two reads then
        // counts in neither, never as closed only, which would make the gauge negative.
        let closed = connections.value(at: 1)
        return max(connections.value(at: 0) - closed, 0)
    }

    /// Every family in the text exposition format, ending with a newline.
    public func render() -> String {
        var exposition = PrometheusExposition()
        exposition.family("proxy_connections_accepted_total", "counter", "Client connections accepted.",
               ["proxy_connections_accepted_total \(connections.value(at: 0))"])
        exposition.family("proxy_connections_open", "gauge", "Client connections accepted and not yet closed.",
               ["proxy_connections_open \(openConnections)"])
        exposition.family("proxy_connections_refused_total", "counter", "Client connections that found the proxy at its connection cap, answered 503 and closed.",
               ["proxy_connections_refused_total \(connections.value(at: 2))"])
        exposition.family("proxy_responses_total", "counter", "Responses sent to clients, by status class (the proxy's own answers, 429s among them, included; a refused connection's 503 is counted in proxy_connections_refused_total instead).",
               (1...5).map { "proxy_responses_total{class=\"\($0)xx\"} \(responseCount(statusClass: $0))" })
        exposition.family("proxy_request_duration_seconds", "histogram", "Time from a request's head being read to its response head being sent on.",
               durations.samples(named: "proxy_request_duration_seconds"))
        exposition.family("proxy_upstream_connects_total", "counter", "Connections opened to backends, by result; few beside the requests means they are reused.",
               ["proxy_upstream_connects_total{result=\"connected\"} \(upstreamConnects.value(at: 0))",
                "proxy_upstream_connects_total{result=\"failed\"} \(upstreamConnects.value(at: 1))"])
        return exposition.text
    }
}
