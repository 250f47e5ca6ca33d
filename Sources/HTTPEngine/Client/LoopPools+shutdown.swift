/// Shutting one loop's pools down: refuse new requests, let the admitted ones finish
/// (bounded by an optional grace period), then close every connection.
extension LoopPools {
    /// Stops admitting requests and closes idle connections; a grace period, if given,
    /// bounds how long in-flight requests may still run. Later calls change nothing.
    func beginShutdown(gracePeriod: Duration?) {
        loop.assertInEventLoop()
        guard !isShutDown else { return }
        isShutDown = true
        for pool in pools.values { pool.beginDrain() }
        if let gracePeriod {
            gracePeriodTimer = loop.scheduleTimer(after: gracePeriod) { [self] in
                gracePeriodTimer = nil
                closeAll()
            }
        }
        finishShutdownIfDrained()
    }

    /// Returns once shutdown is over: every admitted request finished (or was failed
    /// when the grace period ran out) and every connection is closed.
    func waitUntilClosed() async {
        loop.assertInEventLoop()
        if isClosed { return }
        await withUnsafeContinuation { drainWaiters.append($0) }
    }

    /// Ends shutdown once no request runs and no connection is open.
    func finishShutdownIfDrained() {
        guard isShutDown, !isClosed, requestsInFlight == 0, pools.values.allSatisfy(\.isUnused) else { return }
        isClosed = true
        if let gracePeriodTimer { loop.cancelTimer(gracePeriodTimer) }
        gracePeriodTimer = nil
        pools = [:]
        let waiters = drainWaiters
        drainWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// The grace period ran out (or the loop exits): fails every request still running
    /// with `.shutDown` and closes its connection.
    func closeAll() {
        isShutDown = true
        for pool in Array(pools.values) { pool.closeAll() }
        finishShutdownIfDrained()
    }
}
