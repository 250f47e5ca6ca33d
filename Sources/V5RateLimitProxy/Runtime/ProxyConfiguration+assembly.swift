import HTTPEngine
import ReverseProxy
import V5ProductionLimiter

/// Turns the configuration into the objects that serve: policies and the proxy's routes.
extension ProxyConfiguration {
    /// The policies: tiers, API keys, anonymous and route limits, checked together.
    func makePolicies() throws(ConfigurationError) -> PolicySet {
        func policy(_ spec: PolicySpec, id: String, name: String, field: String) throws(ConfigurationError) -> RateLimitPolicy {
            var limits: [RateLimit] = []
            for (index, limit) in spec.limits.enumerated() {
                let built = try limit.rateLimit(policyID: id, field: "\(field).limits[\(index)]")
                if case .redis = store {
                    do { try RedisStore.validate(built) } catch { throw ConfigurationError(field: "\(field).limits[\(index)]", value: "\(built)", problem: "\(error)") }
                }
                limits.append(built)
            }
            return RateLimitPolicy(name: name, limits: limits, isShadow: spec.isShadow)
        }
        let anonymousPolicy = try policy(anonymous, id: "anonymous", name: "anonymous", field: "anonymous")
        var tierPolicies: [String: RateLimitPolicy] = [:]
        for (name, spec) in tiers { tierPolicies[name] = try policy(spec, id: "tier-\(name)", name: "tier:\(name)", field: "tiers.\(name)") }
        var routePolicies: [RoutePolicy] = []
        for (index, route) in routes.enumerated() {
            let routeID = "route\(index)"
            let built = try route.policy.map { spec throws(ConfigurationError) in
                try policy(spec, id: routeID, name: "route:\(route.pathPrefix)", field: "routes[\(index)]")
            }
            routePolicies.append(RoutePolicy(pathPrefix: route.pathPrefix, host: route.host, policy: built, cost: route.cost))
        }
        do {
            return try PolicySet(
                apiKeyHeader: apiKeyHeader, tiers: tierPolicies, apiKeys: apiKeys, anonymous: anonymousPolicy,
                routes: routePolicies, keyHasher: KeyHasher(secret: keyHashSecret), ipv6PrefixLength: ipv6PrefixLength
            )
        } catch {
            throw ConfigurationError(field: "policies", value: "(combined)", problem: "\(error)")
        }
    }

    /// The proxy's routes: a catch-all to `defaultBackends`, and each configured route to its
    /// own backends (or the default ones); each pool checked by its route's `healthCheck`, or
    /// the top-level one.
    func makeProxyConfiguration(defaultBackends: [(host: String, port: UInt16)]) throws(ConfigurationError) -> ReverseProxyConfiguration {
        do {
            let defaultPool = try BackendPool(name: "default", backends: defaultBackends.map { Backend(host: $0.host, port: $0.port) }, healthCheck: healthCheck)
            var proxyRoutes = [Route(pathPrefix: "/", pool: defaultPool)]
            for (index, route) in routes.enumerated() {
                let pool = route.backends.isEmpty
                    ? defaultPool
                    : try BackendPool(name: "route\(index)", backends: route.backends.map { Backend(host: $0.host, port: $0.port) }, healthCheck: route.healthCheck ?? healthCheck)
                // The catch-all already covers "/" for any host.
                if route.pathPrefix == "/", route.host == nil, route.backends.isEmpty { continue }
                proxyRoutes.append(Route(pathPrefix: route.pathPrefix, host: route.host, pool: pool))
            }
            return ReverseProxyConfiguration(routes: proxyRoutes, upstreamTimeout: timeouts.upstream)
        } catch {
            throw ConfigurationError(field: "routes", value: "(proxy)", problem: "\(error)")
        }
    }
}
