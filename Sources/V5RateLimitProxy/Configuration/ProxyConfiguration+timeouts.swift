import HTTPEngine

/// How long the proxy waits on clients and on backends: the `timeouts` object of the JSON file,
/// and the four flags (`--upstream-timeout`, `--upstream-connect-timeout`,
/// `--client-header-timeout`, `--client-idle-timeout`). Read at start: a reload keeps them,
/// like the listen addresses, since the server and the HTTP client are made with them.
extension ProxyConfiguration {
    /// Each wait with its default; nginx's directive for the same wait in brackets.
    struct Timeouts: Equatable, Sendable {
        /// From forwarding a request to the backend's response head (504 past it), and the
        /// longest silence while the backend's body streams (then the client's connection is
        /// closed, so a cut-off body is never taken as complete) [`proxy_read_timeout`, 60 s].
        var upstream = Duration.seconds(60)
        /// To get a connection to a backend: the wait for a pooled one and the connect; past
        /// it the next backend is tried, or the client gets 504 [`proxy_connect_timeout`, 60 s;
        /// ours is shorter, as a backend that takes 5 s to accept is better counted as down].
        var upstreamConnect = Duration.seconds(5)
        /// For a client's whole request head, from the connection's start or the previous
        /// response; then 408 and close [`client_header_timeout`, 60 s].
        var clientHeader = Duration.seconds(10)
        /// A keep-alive connection's idle time between requests, and the longest stall of a
        /// request body [`keepalive_timeout`, 75 s; `client_body_timeout`, 60 s].
        var clientIdle = Duration.seconds(60)
    }

    /// The file's `timeouts` object: `{"upstream": "60s", "upstreamConnect": "5s",
    /// "clientHeader": "10s", "clientIdle": "60s"}`, any of them.
    mutating func applyTimeouts(_ value: Any) throws(ConfigurationError) {
        guard let object = value as? [String: Any] else { throw Self.wrongType(value, "timeouts", "an object") }
        try Self.refuseUnknown(object, known: ["upstream", "upstreamConnect", "clientHeader", "clientIdle"], at: "timeouts.")
        func duration(_ name: String) throws(ConfigurationError) -> Duration? {
            guard let text = object[name] else { return nil }
            return try ConfigurationParsing.duration(try Self.string(text, "timeouts.\(name)"), field: "timeouts.\(name)")
        }
        if let wait = try duration("upstream") { timeouts.upstream = wait }
        if let wait = try duration("upstreamConnect") { timeouts.upstreamConnect = wait }
        if let wait = try duration("clientHeader") { timeouts.clientHeader = wait }
        if let wait = try duration("clientIdle") { timeouts.clientIdle = wait }
    }
}

extension HTTPServerConfiguration {
    /// The client-side waits of `timeouts`.
    mutating func apply(_ timeouts: ProxyConfiguration.Timeouts) {
        headerReadTimeout = timeouts.clientHeader
        idleTimeout = timeouts.clientIdle
    }
}

extension HTTPClientConfiguration {
    /// The backend-side waits of `timeouts`. The client's own silence limit is the upstream
    /// wait too: left at its 30 s, it would cut off a backend the operator allowed 60 s or more.
    mutating func apply(_ timeouts: ProxyConfiguration.Timeouts) {
        connectTimeout = timeouts.upstreamConnect
        responseTimeout = timeouts.upstream
    }
}
