/// Picks the route for a request: the longest matching path prefix, a route naming the
/// request's host before one for any host when the prefixes are equally long.
///
/// A linear scan over routes sorted once by specificity: route tables are tens of entries,
/// where a prefix trie would cost more in pointer chasing than it saves in comparisons.
struct RouteTable: Sendable {
    /// Most specific first, so the first match wins.
    let routes: [Route]
    /// Whether a route names a host; without one, the `Host` field is never read.
    let matchesHosts: Bool

    init(_ routes: [Route]) throws(ReverseProxyConfigurationError) {
        for route in routes { try route.validate() }
        var seen: Set<String> = []
        for route in routes {
            let key = "\(route.host?.lowercased() ?? "*") \(route.pathPrefix)"
            guard seen.insert(key).inserted else {
                throw .invalidField("routes", "two routes for prefix \(route.pathPrefix) and host \(route.host ?? "(any)")")
            }
        }
        self.routes = routes.sorted { Route.isTried(pathPrefix: $0.pathPrefix, host: $0.host, before: $1.pathPrefix, host: $1.host) }
        matchesHosts = routes.contains { $0.host != nil }
    }

    /// The route for `path` requested of `hostField` (the `Host` value, maybe with a port); nil when none matches.
    ///
    /// `hostField` is an autoclosure: a table without host routes does not look the field up.
    func route(hostField: @autoclosure () -> String?, path: String) -> Route? {
        let hostName = matchesHosts ? hostField().map(Route.hostName(ofHostField:)) : nil
        return routes.first { $0.holds(path: path, hostName: hostName) }
    }
}
