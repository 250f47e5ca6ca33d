/// Time-outs, bounds and back-off of a `PipelinedClient`.
package struct PipelineConfiguration: Sendable {
    /// Most connections to the server from one event loop. Requests share the first connection
    /// with room (`maxPendingReplies`); the next opens only when every open one is full.
    /// 1, the default, pipelines every request of a loop on one connection.
    package var connectionsPerLoop: Int {
        didSet { precondition(connectionsPerLoop > 0, "connectionsPerLoop must be at least 1") }
    }
    /// Longest wait for a name lookup, and then for the TCP connect (to each of the host's
    /// addresses in turn) plus the setup replies.
    package var connectTimeout: Duration
    /// Longest wait for a reply, counted from when the request was queued.
    package var replyTimeout: Duration
    /// Most replies one connection waits for; requests beyond it fail with `.overloaded`.
    package var maxPendingReplies: Int
    /// Delay before reconnecting after the first failed connect; doubles with each further failure.
    package var initialReconnectDelay: Duration
    /// Cap of the reconnect delay.
    package var maxReconnectDelay: Duration

    package init(
        connectionsPerLoop: Int = 1,
        connectTimeout: Duration = .seconds(1),
        replyTimeout: Duration = .seconds(1),
        maxPendingReplies: Int = 16_384,
        initialReconnectDelay: Duration = .milliseconds(50),
        maxReconnectDelay: Duration = .seconds(5)
    ) {
        precondition(connectTimeout > .zero && replyTimeout > .zero, "pipeline time-outs must be positive")
        precondition(connectionsPerLoop > 0, "connectionsPerLoop must be at least 1")
        precondition(maxPendingReplies > 0, "maxPendingReplies must be positive")
        precondition(initialReconnectDelay >= .zero && maxReconnectDelay >= initialReconnectDelay, "reconnect delays must satisfy 0 <= initial <= max")
        self.connectionsPerLoop = connectionsPerLoop
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
        self.maxPendingReplies = maxPendingReplies
        self.initialReconnectDelay = initialReconnectDelay
        self.maxReconnectDelay = maxReconnectDelay
    }
}

extension PipelineConfiguration {
    /// The pool policy of a pipelined client: shared connections, none queued behind full ones,
    /// and the reconnect back-off.
    var poolSettings: ConnectionPoolSettings {
        ConnectionPoolSettings(
            maxConnections: connectionsPerLoop,
            sharing: .shared(maxRequests: maxPendingReplies),
            maxIdleConnections: connectionsPerLoop,
            maxWaitingRequests: 0,
            waitTimeout: connectTimeout,
            lookupTimeout: connectTimeout,
            backOff: ReconnectBackOff(initialDelay: initialReconnectDelay, maxDelay: maxReconnectDelay)
        )
    }
}
