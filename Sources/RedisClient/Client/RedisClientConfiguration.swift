/// Time-outs, bounds and reconnect delays of a `RedisConnectionPool`.
public struct RedisClientConfiguration: Sendable {
    /// Most connections to Redis from one event loop; at least 1 (a precondition). Commands
    /// share the first connection with room (`maxPendingCommands`), so a loop turn's commands go
    /// out in one write; the next connection opens only when every open one is full. 1, the
    /// default, pipelines every command of a loop on one connection.
    public var connectionsPerLoop: Int {
        didSet { precondition(connectionsPerLoop > 0, "connectionsPerLoop must be at least 1") }
    }
    /// Longest wait for a name lookup, and then for the TCP connect and the login (`AUTH`, `SELECT`).
    public var connectTimeout: Duration
    /// Longest wait for a reply; past it the connection is dropped (later replies would be out
    /// of step) and every command waiting on it fails with `.timedOut`.
    public var commandTimeout: Duration
    /// Most replies one connection waits for; a command finding every connection of its loop
    /// this full fails at once with `.overloaded`.
    public var maxPendingCommands: Int
    /// Delay before reconnecting after a failed connect; doubles per further failure, with jitter.
    public var initialReconnectDelay: Duration
    /// Cap of the reconnect delay.
    public var maxReconnectDelay: Duration
    /// Sent with `CLIENT SETNAME` on connect, so `CLIENT LIST` shows who is connected; nil sends nothing.
    public var clientName: String?
    /// Bounds on every reply.
    public var decoderLimits: RESPDecoderLimits

    public init(
        connectionsPerLoop: Int = 1,
        connectTimeout: Duration = .seconds(1),
        commandTimeout: Duration = .seconds(1),
        maxPendingCommands: Int = 16_384,
        initialReconnectDelay: Duration = .milliseconds(50),
        maxReconnectDelay: Duration = .seconds(5),
        clientName: String? = nil,
        decoderLimits: RESPDecoderLimits = RESPDecoderLimits()
    ) {
        precondition(connectionsPerLoop > 0, "connectionsPerLoop must be at least 1")
        self.connectionsPerLoop = connectionsPerLoop
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.maxPendingCommands = maxPendingCommands
        self.initialReconnectDelay = initialReconnectDelay
        self.maxReconnectDelay = maxReconnectDelay
        self.clientName = clientName
        self.decoderLimits = decoderLimits
    }
}
