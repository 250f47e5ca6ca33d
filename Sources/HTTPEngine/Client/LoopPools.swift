/// The pools of one event loop, keyed by upstream, and the requests running on it.
///
/// `@unchecked Sendable`: every stored property is touched only on `loop`'s thread.
final class LoopPools: @unchecked Sendable {
    let loop: EventLoop
    let configuration: HTTPClientConfiguration
    var pools: [Upstream: ConnectionPool] = [:]
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
        resolver = HostResolver(loop: loop, configuration: configuration)
    }

    /// Admits one request to `upstream`: its pool, created on first use; throws `.shutDown` once shutdown began (loop thread only). Every
    /// admitted request must call `requestFinished` once.
    func admitRequest(to upstream: Upstream) throws(HTTPEngineError) -> ConnectionPool {
        loop.assertInEventLoop()
        if isShutDown { throw .shutDown }
        requestsInFlight += 1
        let pool = pools[upstream] ?? {
            let pool = ConnectionPool(upstream: upstream, owner: self)
            pools[upstream] = pool
            return pool
        }()
        pool.requestsInFlight += 1
        return pool
    }

    /// An admitted request returned (its response body may still be streaming).
    func requestFinished(on pool: ConnectionPool) {
        requestsInFlight -= 1
        pool.requestsInFlight -= 1
        poolMayBeUnused(pool)
    }

    /// Forgets a pool nothing uses any more, so a client that talked to many upstreams
    /// does not keep one pool (and one resolved address) per upstream forever.
    func poolMayBeUnused(_ pool: ConnectionPool) {
        if pool.isUnused, pools[pool.upstream] === pool { pools[pool.upstream] = nil }
        if isShutDown { finishShutdownIfDrained() }
    }
}
