/// Sends requests whose path starts with `pathPrefix` (and, if set, whose `Host` is `host`) to `pool`.
///
/// Prefixes match whole segments: `/api` matches `/api` and `/api/users`, not `/apis`;
/// a prefix ending in `/` (`/static/`, `/`) matches every path that starts with it.
public struct Route: Sendable {
    public var pathPrefix: String
    /// Host name compared case-insensitively with the request's `Host` (port ignored); nil: any host.
    public var host: String?
    public var pool: BackendPool

    public init(pathPrefix: String, host: String? = nil, pool: BackendPool) {
        self.pathPrefix = pathPrefix
        self.host = host
        self.pool = pool
    }

    func validate() throws(ReverseProxyConfigurationError) {
        guard pathPrefix.hasPrefix("/"), !pathPrefix.contains("?") else {
            throw .invalidField("route path prefix", "\"\(pathPrefix)\" must start with / and hold no query")
        }
        if let host, host.isEmpty || host.contains(":") || host.contains("/") {
            throw .invalidField("route host", "\"\(host)\" must be a host name without port")
        }
    }
}
