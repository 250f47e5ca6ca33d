/// The pools of one event loop, keyed by upstream.
///
/// `@unchecked Sendable`: `pools` and `isShutDown` are touched only on `loop`'s thread.
final class LoopPools: @unchecked Sendable {
    let loop: EventLoop
    let configuration: HTTPClientConfiguration
    var pools: [Upstream: ConnectionPool] = [:]
    var isShutDown = false

    init(loop: EventLoop, configuration: HTTPClientConfiguration) {
        self.loop = loop
        self.configuration = configuration
    }

    /// The pool for `upstream`, created (and its host resolved) on first use (loop thread only).
    func pool(for upstream: Upstream) throws(HTTPClientError) -> ConnectionPool {
        loop.assertInEventLoop()
        if isShutDown { throw .shutDown }
        if let pool = pools[upstream] { return pool }
        let pool = ConnectionPool(upstream: upstream, loop: loop, configuration: configuration)
        pools[upstream] = pool
        return pool
    }

    func shutdown() {
        isShutDown = true
        for pool in pools.values { pool.shutdown() }
    }
}
