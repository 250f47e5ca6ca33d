import ReverseProxy

/// Reads `healthCheck` objects: active checks of a pool's backends (`HealthCheckConfiguration`).
///
/// Checked here, field by field, rather than left to `BackendPool`'s validation: that names a
/// pool ("health check interval") where an operator needs the file's path
/// (`routes[1].healthCheck.interval`), and it would run only when the proxy is assembled.
extension ProxyConfiguration {
    static let healthCheckFields: Set<String> = ["path", "interval", "timeout", "healthyThreshold", "unhealthyThreshold", "jitter"]

    /// The most checks in a row a threshold may ask for: past it a backend would take minutes
    /// to change state at any sensible interval, which is a typo rather than a policy.
    static let maximumHealthThreshold = 100

    /// A health check from the file's object at `field`; fields left out keep their defaults
    /// (`/health`, every 5s, 2s time-out, 2 to recover, 3 to fail, up to 500ms jitter).
    static func healthCheck(_ value: Any, _ field: String) throws(ConfigurationError) -> HealthCheckConfiguration {
        guard let object = value as? [String: Any] else {
            throw wrongType(value, field, "an object with path, interval, timeout, healthyThreshold, unhealthyThreshold, jitter")
        }
        try refuseUnknown(object, known: healthCheckFields, at: field + ".")
        var check = HealthCheckConfiguration()
        if let value = object["path"] {
            let path = try string(value, field + ".path")
            // The request line carries it as is: a space or control byte would break the request.
            guard path.hasPrefix("/"), path.utf8.count <= 1024, path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw ConfigurationError(field: field + ".path", value: path, problem: "a path starts with / and holds at most 1024 visible ASCII characters (no spaces)")
            }
            check.path = path
        }
        if let value = object["interval"] { check.interval = try ConfigurationParsing.duration(try string(value, field + ".interval"), field: field + ".interval") }
        if let value = object["timeout"] { check.timeout = try ConfigurationParsing.duration(try string(value, field + ".timeout"), field: field + ".timeout") }
        if let value = object["healthyThreshold"] { check.healthyThreshold = try integer(value, field + ".healthyThreshold", maximum: maximumHealthThreshold) }
        if let value = object["unhealthyThreshold"] { check.unhealthyThreshold = try integer(value, field + ".unhealthyThreshold", maximum: maximumHealthThreshold) }
        if let value = object["jitter"] {
            let text = try string(value, field + ".jitter")
            // Unlike the other spans, none at all is a valid choice: checks exactly on the interval.
            check.jitter = ["0", "0s", "0ms"].contains(text) ? .zero : try ConfigurationParsing.duration(text, field: field + ".jitter")
        }
        return check
    }
}
