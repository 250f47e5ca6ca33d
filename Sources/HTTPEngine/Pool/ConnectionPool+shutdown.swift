/// Ending a pool: a graceful drain that lets the requests it carries finish, and a close-all
/// that fails them.
extension ConnectionPool {
    /// Drain began: idle connections close, busy ones close once they carry no request;
    /// queued requests (admitted before the drain) still get a connection.
    func beginDrain() {
        isDraining = true
        // A connecting one still belongs to its requesters; it is drained when handed to them.
        for connection in connections where !connection.isConnecting { connection.closeWhenDrained() }
        closeAbandonedConnects()
    }

    /// Drains the pool and returns once every connection is closed and nobody waits (loop thread only).
    func drain() async {
        loop.assertInEventLoop()
        beginDrain()
        if isUnused { return }
        await withUnsafeContinuation { drainWaiters.append($0) }
    }

    func finishDrain() {
        let waiters = drainWaiters
        drainWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// While draining, a connect nobody waits for any more would only delay shutdown
    /// until it finished or timed out. Each request waiting on a connect is in
    /// `pendingConnects`, so with none there (and no queue) every connect is abandoned.
    func closeAbandonedConnects() {
        guard pendingConnects.isEmpty, waiters.isEmpty else { return }
        for connection in connections where connection.isConnecting { connection.close() }
    }

    /// Closes every connection for good: requests waiting for one, or for their answer, fail
    /// with `.shutDown`.
    func closeAll() {
        isDraining = true
        isShutDown = true
        let waiters = waiters
        self.waiters = []
        for waiter in waiters {
            loop.cancelTimer(waiter.timer)
            waiter.completion(.failure(HTTPEngineError.shutDown))
        }
        let pendingConnects = pendingConnects
        self.pendingConnects = [:]
        joiners = [:]
        joinableConnect = nil
        for completion in pendingConnects.values { completion(.failure(HTTPEngineError.shutDown)) }
        for connection in connections { connection.failForShutdown() }
        poolMayBeUnused()
    }

    /// The loop exits under the pool: nothing may connect again, and every connection closes.
    func loopDidExit() {
        if let owner { owner.closeAll() } else { closeAll() }
    }
}
