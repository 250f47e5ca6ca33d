import HTTPEngine
import IPAddressing
import ReverseProxy
import V5ProductionLimiter

/// The admin listener's endpoints (loopback by default): `/metrics`, `/healthz`, `/readyz`, `/explain`.
struct AdminHandler: HTTPHandler {
    let metrics: PrometheusMetrics
    let traffic: HTTPTrafficMetrics
    /// Nil when the access log is off.
    let accessLog: AccessLogWriter?
    let limiter: PolicyRateLimitMiddleware
    let proxy: ReloadableHandler
    let readiness: Readiness

    func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        switch request.path {
        case "/metrics":
            return HTTPResponse(headers: HTTPHeaders([("Content-Type", "text/plain; version=0.0.4; charset=utf-8")]), body: .init(string: metricsText()))
        case "/healthz":
            return json(.ok, "{\"status\":\"ok\"}")
        case "/readyz":
            guard let reason = readiness.reasonNotReady else { return json(.ok, "{\"ready\":true}") }
            return json(.serviceUnavailable, "{\"ready\":false,\"reason\":\"\(JSONLine.escaped(reason))\"}")
        case "/explain":
            return await explain(query: request.query ?? "")
        default:
            return json(.notFound, "{\"error\":\"not_found\",\"endpoints\":[\"/metrics\",\"/healthz\",\"/readyz\",\"/explain?api_key=&address=&path=\"]}")
        }
    }

    /// The limiter's families, then the proxy's own: traffic, dropped log lines, shadow refusals and backend health.
    func metricsText() -> String {
        var exposition = PrometheusExposition()
        exposition.family("proxy_access_log_dropped_lines_total", "counter", "Access-log lines dropped because standard output was not read fast enough.",
                          ["proxy_access_log_dropped_lines_total \(accessLog?.droppedLineCount ?? 0)"])
        exposition.family("ratelimit_shadow_refusals_total", "counter", "Requests a shadow policy would have refused; they were let through.",
                          ["ratelimit_shadow_refusals_total \(limiter.shadowRefusals)"])
        exposition.family("proxy_backend_healthy", "gauge", "1 when the backend takes traffic, 0 when it is marked down.",
                          proxy.handler.healthStatus.flatMap { pool in
                              pool.backends.map { backend in "proxy_backend_healthy{pool=\"\(pool.name)\",backend=\"\(backend.backend)\"} \(backend.isHealthy ? 1 : 0)" }
                          })
        return metrics.render() + traffic.render() + exposition.text
    }

    /// Which policies and limits hold a client, given as `api_key`, `address`, `path` and `host`
    /// query parameters, and each limit's live state in the store: what an operator asks when a client
    /// says "why was I refused". Reads only (`GuardedStore.inspect`): asking spends nothing.
    ///
    /// The key is shown as the store knows it, `key:<hash>` for an API key (never the key
    /// itself, as in the access log) or `ip:<address>` (IPv6: `ip:<network>/<length>`). An
    /// `address` that is no IP address gives 400; a store that fails or does not answer within
    /// its time-out gives 503 naming the failure.
    func explain(query: String) async -> HTTPResponse {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard let name = parts.first else { continue }
            parameters[String(name)] = parts.count > 1 ? String(parts[1]).removingPercentEncoding ?? String(parts[1]) : ""
        }
        // Spelled as the limiter spells a client's address (an IPv4-mapped IPv6 address as IPv4),
        // so the key is the one its requests are counted under; anything else would be answered
        // about a key no request can have.
        let addressText = parameters["address"] ?? "127.0.0.1"
        guard let address = IPAddress(addressText) else {
            let shown = addressText.count > 64 ? String(addressText.prefix(64)) + "…" : addressText
            return json(.badRequest, "{\"error\":\"invalid_address\",\"message\":\"address: \(JSONLine.escaped(shown)) is not an IPv4 or IPv6 address\"}")
        }
        let policies = limiter.policies
        let resolution = policies.resolve(apiKey: parameters["api_key"], clientAddress: address.description, path: parameters["path"] ?? "/", hostField: parameters["host"])
        let about = """
        "key":"\(JSONLine.escaped(resolution.key))","policy":"\(JSONLine.escaped(resolution.policyName))",\
        "identity":"\(JSONLine.escaped(resolution.identity.name))","route":\(resolution.route.map { "\"\(JSONLine.escaped($0.pathPrefix))\"" } ?? "null"),\
        "cost":\(resolution.cost),"shadow":\(resolution.isShadow)
        """
        let inspection: StoreInspection
        do {
            inspection = try await limiter.store.inspect(try RateLimitRequest(key: resolution.key, limits: resolution.limits, cost: resolution.cost))
        } catch let error as RateLimitStoreError {
            return json(.serviceUnavailable, "{\"error\":\"store_failed\",\"kind\":\"\(error.kind)\",\"message\":\"\(JSONLine.escaped(error.description))\",\(about)}")
        } catch {
            // `PolicySet` checked every combination when it was built; reaching this is a bug.
            return json(.internalServerError, "{\"error\":\"invalid_policy\",\"message\":\"\(JSONLine.escaped("\(error)"))\",\(about)}")
        }
        let limits = inspection.limits.map { state in
            let limit = state.limit
            return "{\"name\":\"\(JSONLine.escaped(limit.name))\",\"capacity\":\(limit.capacity),\"window_seconds\":\(Self.seconds(limit.window)),"
                + "\"algorithm\":\"\(limit.algorithm.rawValue)\",\"remaining\":\(state.remaining),\"admitted_now\":\(state.isAdmitted),"
                + "\"retry_after_seconds\":\(Self.seconds(state.retryAfter))}"
        }
        let body = """
        {\(about),"admitted_now":\(inspection.isAdmitted),"retry_after_seconds":\(Self.seconds(inspection.retryAfter)),\
        "limits":[\(limits.joined(separator: ","))]}

        """
        return json(.ok, body)
    }

    /// `duration` in seconds, fractional.
    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func json(_ status: HTTPStatus, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json"), ("Cache-Control", "no-store")]), body: .init(string: body.hasSuffix("\n") ? body : body + "\n"))
    }
}
