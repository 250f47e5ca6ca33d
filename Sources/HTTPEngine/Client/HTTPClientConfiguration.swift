/// Limits and time-outs of an `HTTPClient`; pools apply them per upstream and per event loop.
public struct HTTPClientConfiguration: Sendable {
    /// Most open connections (connecting, busy or idle) to one upstream from one loop.
    public var maxConnectionsPerUpstream: Int
    /// Most idle keep-alive connections kept per upstream and loop; extra ones are closed.
    public var maxIdleConnectionsPerUpstream: Int
    /// Most requests that may wait for a connection when the limit is reached;
    /// 0 makes a request fail with `.overloaded` at once.
    public var maxWaitingRequests: Int
    /// How long a TCP connect may take; also how long a request waits in the pool queue.
    public var connectTimeout: Duration
    /// How long the upstream may stay silent: until the response head once the request
    /// is sent (or while it does not take request bytes), and between body reads.
    public var responseTimeout: Duration
    /// How long an unused keep-alive connection stays in the pool.
    public var idleTimeout: Duration
    /// Limits for parsing response heads and chunk lines.
    public var parserLimits: HTTPParserLimits
    /// How long a host name's addresses are reused before it is looked up again.
    public var nameCacheDuration: Duration = .seconds(30)
    /// How long a failed lookup is remembered (requests fail at once meanwhile).
    public var failedNameCacheDuration: Duration = .seconds(5)
    /// Spare room in each response head's buffer for fields the caller adds before passing the
    /// response on (a proxy's request ID, a rate limiter's five fields): added within it, they
    /// copy nothing. 8 fields and 512 bytes by default, 640 bytes per response head in flight.
    public var responseHeaderRoom = HTTPParser.HeaderRoom(fields: 8, bytes: 512)
    /// Hears connects, failed connects and pool waits; nil, the default, costs one check per event.
    public var observer: (any HTTPClientObserver)? = nil
    /// Looks a host up (blocking); replaced by tests to control resolution.
    var lookup: @Sendable (Upstream) -> Result<[SocketAddress], HTTPEngineError> = { upstream in
        Result { () throws(HTTPEngineError) in try upstream.resolveAll() }
    }

    public init(
        maxConnectionsPerUpstream: Int = 64,
        maxIdleConnectionsPerUpstream: Int = 16,
        maxWaitingRequests: Int = 256,
        connectTimeout: Duration = .seconds(5),
        responseTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(30),
        parserLimits: HTTPParserLimits = HTTPParserLimits()
    ) {
        precondition(maxConnectionsPerUpstream > 0, "a pool needs at least one connection")
        self.maxConnectionsPerUpstream = maxConnectionsPerUpstream
        self.maxIdleConnectionsPerUpstream = max(0, maxIdleConnectionsPerUpstream)
        self.maxWaitingRequests = max(0, maxWaitingRequests)
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.idleTimeout = idleTimeout
        self.parserLimits = parserLimits
    }
}

extension HTTPClientConfiguration {
    /// The pool policy of the HTTP client: one exchange per connection, idle keep-alive
    /// connections, a bounded queue, and no reconnect back-off (`ConnectionPool+backOff.swift` says why).
    var poolSettings: ConnectionPoolSettings {
        ConnectionPoolSettings(
            maxConnections: maxConnectionsPerUpstream,
            sharing: .leased,
            maxIdleConnections: maxIdleConnectionsPerUpstream,
            maxWaitingRequests: maxWaitingRequests,
            waitTimeout: connectTimeout,
            observer: observer
        )
    }
}
