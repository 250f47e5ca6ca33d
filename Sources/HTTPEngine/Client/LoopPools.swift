/// The pools of one event loop, keyed by upstream, and the requests running on it.
///
/// `@unchecked Sendable`: every stored property is touched only on `loop`'s thread.
final class LoopPools: ConnectionPoolOwner, @unchecked Sendable {
    let loop: EventLoop
    let configuration: HTTPClientConfiguration
    /// The pool policy `configuration` asks for, worked out once.
    let poolSettings: ConnectionPoolSettings
    var pools: [Upstream: ConnectionPool<ClientConnection>] = [:] {
        // A pool that left the dictionary leaves the shortcut too.
        didSet { if let lastPool, pools[lastPool.upstream] !== lastPool { self.lastPool = nil } }
    }
    /// The pool of the last admitted request: a proxy in front of one backend asks for the same
    /// upstream every time, and comparing it costs less than hashing its name (one hash per
    /// request was ~0.5 % of a proxy's CPU). Several backends in turn fall back to the dictionary.
    private var lastPool: ConnectionPool<ClientConnection>?
    /// Outlives the pools, so a trimmed pool's upstream is not looked up again at once.
    let resolver: HostResolver
    /// `execute` calls between their admission and their return on this loop.
    var requestsInFlight = 0
    /// Set when shutdown begins: no request is admitted any more.
    var isShutDown = false
    /// Set when shutdown is over: every connection is closed.
    var isClosed = false
    /// Shutdown calls waiting for the in-flight requests to finish.
    var drainWaiters: [UnsafeContinuation<Void, Never>] = []
    var gracePeriodTimer: EventLoopTimer?

    init(loop: EventLoop, configuration: HTTPClientConfiguration) {
        self.loop = loop
        self.configuration = configuration
        poolSettings = configuration.poolSettings
        resolver = HostResolver(loop: loop, configuration: configuration)
    }

    /// Admits one request to `upstream`: its pool, created on first use; throws `.shutDown` once shutdown began (loop thread only). Every
    /// admitted request must call `requestFinished` once.
    func admitRequest(to upstream: Upstream) throws(HTTPEngineError) -> ConnectionPool<ClientConnection> {
        loop.assertInEventLoop()
        if isShutDown { throw .shutDown }
        requestsInFlight += 1
        let pool = lastPool.flatMap { $0.upstream == upstream ? $0 : nil } ?? pools[upstream] ?? {
            let pool = ConnectionPool<ClientConnection>(
                upstream: upstream, loop: loop, settings: poolSettings, configuration: configuration, resolver: resolver, owner: self
            )
            pools[upstream] = pool
            return pool
        }()
        pool.requestsInFlight += 1
        lastPool = pool
        return pool
    }

    /// An admitted request returned (its response body may still be streaming).
    func requestFinished(on pool: ConnectionPool<ClientConnection>) {
        requestsInFlight -= 1
        pool.requestsInFlight -= 1
        poolMayBeUnused(upstream: pool.upstream, isUnused: pool.isUnused)
    }

    /// Forgets a pool nothing uses any more, so a client that talked to many upstreams
    /// does not keep one pool (and one resolved address) per upstream forever.
    func poolMayBeUnused(upstream: Upstream, isUnused: Bool) {
        // Looked up only when the pool found itself unused: hashing the upstream after every
        // request was 0.5 % of the proxy's user time.
        if isUnused, pools[upstream]?.isUnused == true { pools[upstream] = nil }
        if isShutDown { finishShutdownIfDrained() }
    }
}
