/// Picks the route for a request: the longest matching path prefix, a route naming the
/// request's host before one for any host when the prefixes are equally long.
///
/// A linear scan over routes sorted once by specificity: route tables are tens of entries,
/// where a prefix trie would cost more in pointer chasing than it saves in comparisons.
struct RouteTable: Sendable {
    /// Most specific first, so the first match wins.
    let routes: [Route]

    init(_ routes: [Route]) throws(ReverseProxyConfigurationError) {
        for route in routes { try route.validate() }
        var seen: Set<String> = []
        for route in routes {
            let key = "\(route.host?.lowercased() ?? "*") \(route.pathPrefix)"
            guard seen.insert(key).inserted else {
                throw .invalidField("routes", "two routes for prefix \(route.pathPrefix) and host \(route.host ?? "(any)")")
            }
        }
        self.routes = routes.sorted { left, right in
            if left.pathPrefix.utf8.count != right.pathPrefix.utf8.count {
                return left.pathPrefix.utf8.count > right.pathPrefix.utf8.count
            }
            return left.host != nil && right.host == nil
        }
    }

    /// The route for `path` requested of `hostField` (the `Host` value, maybe with a port); nil when none matches.
    func route(hostField: String?, path: String) -> Route? {
        let host = hostField.map(Self.hostName(of:))
        return routes.first { route in
            if let routeHost = route.host {
                guard let host, host.caseInsensitiveEquals(routeHost) else { return false }
            }
            return route.matches(path: path)
        }
    }

    /// The host part of a `Host` value: `example.com:8080` → `example.com`, `[::1]:80` → `[::1]`.
    static func hostName(of field: String) -> Substring {
        if field.hasPrefix("["), let close = field.firstIndex(of: "]") { return field[...close] }
        // `firstIndex` rather than `split`, which built an array per request.
        return field.firstIndex(of: ":").map { field[..<$0] } ?? field[...]
    }
}

extension StringProtocol {
    /// ASCII case-insensitive equality, for host names and field names.
    func caseInsensitiveEquals(_ other: some StringProtocol) -> Bool {
        utf8.elementsEqual(other.utf8) { left, right in Self.lowered(left) == Self.lowered(right) }
    }

    static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
