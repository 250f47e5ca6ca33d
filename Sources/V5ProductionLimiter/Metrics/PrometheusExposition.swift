/// Text in Prometheus's exposition format (version 0.0.4), built one family at a time: what the
/// limiter's metrics, the proxy's traffic and the admin endpoint's own families all write.
public struct PrometheusExposition {
    private var lines: [String] = []

    /// Nothing yet.
    public init() {}

    /// Adds a family: its `# HELP` and `# TYPE` lines, then its sample lines as given.
    public mutating func family(_ name: String, _ type: String, _ help: String, _ samples: [String]) {
        lines.append("# HELP \(name) \(help)")
        lines.append("# TYPE \(name) \(type)")
        lines.append(contentsOf: samples)
    }

    /// Every family added, ending with a newline.
    public var text: String { lines.joined(separator: "\n") + "\n" }
}
