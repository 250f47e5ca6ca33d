import HTTPEngine
import ReverseProxy
import V5ProductionLimiter

/// The admin listener's endpoints (loopback by default): `/metrics`, `/healthz`, `/readyz`, `/explain`.
struct AdminHandler: HTTPHandler {
    let metrics: PrometheusMetrics
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
            return explain(query: request.query ?? "")
        default:
            return json(.notFound, "{\"error\":\"not_found\",\"endpoints\":[\"/metrics\",\"/healthz\",\"/readyz\",\"/explain?api_key=&address=&path=\"]}")
        }
    }

    /// The limiter's families, then the proxy's own: shadow refusals and backend health.
    func metricsText() -> String {
        var text = metrics.render()
        text += "# HELP ratelimit_shadow_refusals_total Requests a shadow policy would have refused; they were let through.\n"
        text += "# TYPE ratelimit_shadow_refusals_total counter\n"
        text += "ratelimit_shadow_refusals_total \(limiter.shadowRefusals)\n"
        text += "# HELP proxy_backend_healthy 1 when the backend takes traffic, 0 when it is marked down.\n"
        text += "# TYPE proxy_backend_healthy gauge\n"
        for pool in proxy.handler.healthStatus {
            for backend in pool.backends {
                text += "proxy_backend_healthy{pool=\"\(pool.name)\",backend=\"\(backend.backend)\"} \(backend.isHealthy ? 1 : 0)\n"
            }
        }
        return text
    }

    /// Which policies and limits hold a client, given as `api_key`, `address` and `path` query
    /// parameters: what an operator asks when a client says "why was I refused".
    func explain(query: String) -> HTTPResponse {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard let name = parts.first else { continue }
            parameters[String(name)] = parts.count > 1 ? String(parts[1]).removingPercentEncoding ?? String(parts[1]) : ""
        }
        let policies = limiter.policies
        let resolution = policies.resolve(apiKey: parameters["api_key"], clientAddress: parameters["address"] ?? "127.0.0.1", path: parameters["path"] ?? "/")
        let limits = resolution.limits.map { limit in
            "{\"name\":\"\(JSONLine.escaped(limit.name))\",\"capacity\":\(limit.capacity),\"window_seconds\":\(Double(limit.window.components.seconds) + Double(limit.window.components.attoseconds) / 1e18),\"algorithm\":\"\(limit.algorithm.rawValue)\"}"
        }
        let body = """
        {"key":"\(JSONLine.escaped(resolution.key))","policy":"\(JSONLine.escaped(resolution.policyName))",\
        "identity":"\(JSONLine.escaped(resolution.identity.name))","route":\(resolution.route.map { "\"\(JSONLine.escaped($0.pathPrefix))\"" } ?? "null"),\
        "cost":\(resolution.cost),"shadow":\(resolution.isShadow),"limits":[\(limits.joined(separator: ","))]}

        """
        return json(.ok, body)
    }

    private func json(_ status: HTTPStatus, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: HTTPHeaders([("Content-Type", "application/json"), ("Cache-Control", "no-store")]), body: .init(string: body.hasSuffix("\n") ? body : body + "\n"))
    }
}
