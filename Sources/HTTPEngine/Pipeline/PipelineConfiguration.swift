/// Time-outs, bounds and back-off of a `PipelinedClient`.
package struct PipelineConfiguration: Sendable {
    /// Longest wait for a name lookup plus the TCP connect plus the setup replies.
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
        connectTimeout: Duration = .seconds(1),
        replyTimeout: Duration = .seconds(1),
        maxPendingReplies: Int = 16_384,
        initialReconnectDelay: Duration = .milliseconds(50),
        maxReconnectDelay: Duration = .seconds(5)
    ) {
        precondition(connectTimeout > .zero && replyTimeout > .zero, "pipeline time-outs must be positive")
        precondition(maxPendingReplies > 0, "maxPendingReplies must be positive")
        precondition(initialReconnectDelay >= .zero && maxReconnectDelay >= initialReconnectDelay, "reconnect delays must satisfy 0 <= initial <= max")
        self.connectTimeout = connectTimeout
        self.replyTimeout = replyTimeout
        self.maxPendingReplies = maxPendingReplies
        self.initialReconnectDelay = initialReconnectDelay
        self.maxReconnectDelay = maxReconnectDelay
    }
}
