/// A configuration value the proxy cannot run with: which field, the value given, and why.
/// The proxy prints it and exits with status 2 (also for `--check-config`).
struct ConfigurationError: Error, CustomStringConvertible {
    /// Where the value came from and its path, e.g. `RATE_LIMIT_RPS`, `--listen`, `routes[1].limits[0].per`.
    let field: String
    let value: String
    let problem: String

    var description: String { "configuration error: \(field) = \"\(value)\": \(problem)" }
}
