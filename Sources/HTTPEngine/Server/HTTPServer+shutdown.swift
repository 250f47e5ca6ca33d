extension HTTPServer {
    /// Graceful shutdown: stop accepting (new connections are refused), close idle
    /// connections, let in-flight requests finish until `deadline`, then drop what
    /// is left, stop the loops the server owns, and return.
    public func shutdown(deadline: ContinuousClock.Instant) async {
        let (contexts, group, mustRun) = lifecycle.withLock { state -> ([ServerLoopContext], EventLoopGroup?, Bool) in
            switch state.phase {
            case .idle:
                state.phase = .stopped
                return ([], nil, false)
            case .running:
                state.phase = .shuttingDown
                return (state.contexts, state.group, true)
            case .shuttingDown:
                // Already draining: a call that wants out now (run's cancellation) cuts it short.
                return (state.contexts, nil, false)
            case .starting, .stopped:
                return ([], nil, false)
            }
        }
        guard mustRun else {
            if deadline <= .now {
                for context in contexts { context.loop.execute { context.closeAllConnections() } }
            }
            await waitUntilStopped()
            return
        }
        shuttingDownFlag.store(true, ordering: .relaxed)
        // All listeners close before any connection does, so once a client sees its idle
        // connection closed, no loop accepts anymore; and the count can then only fall.
        for context in contexts {
            _ = try? await context.loop.perform { context.stopAccepting() }
        }
        for context in contexts {
            _ = try? await context.loop.perform { context.beginShutdown() }
        }
        let forceClose = Task {
            try await Task.sleep(until: deadline)
            for context in contexts {
                context.loop.execute { context.closeAllConnections() }
            }
        }
        await waitUntilNoConnections()
        forceClose.cancel()
        if providedGroup == nil, let group { await group.shutdown() }
        let waiters = lifecycle.withLock { state in
            state.phase = .stopped
            state.contexts = []
            defer { state.stopWaiters = [] }
            return state.stopWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Shuts down, allowing in-flight requests `gracePeriod` to finish.
    public func shutdown(gracePeriod: Duration) async {
        await shutdown(deadline: .now + gracePeriod)
    }

    func waitUntilNoConnections() async {
        await withCheckedContinuation { continuation in
            let isDrained = lifecycle.withLock { state -> Bool in
                let isDrained = openConnections.load(ordering: .acquiring) == 0
                if !isDrained { state.drainWaiters.append(continuation) }
                return isDrained
            }
            if isDrained { continuation.resume() }
        }
    }

    /// Takes a connection slot for `peer`; false when `maxConnections` are open, or the peer's
    /// client holds as many as `peerConnectionLimit` allows.
    func reserveConnectionSlot(for peer: SocketAddress) -> Bool {
        let count = openConnections.wrappingAdd(1, ordering: .relaxed).newValue
        guard count <= configuration.maxConnections, peerConnections?.open(from: peer) ?? true else {
            connectionClosed()
            return false
        }
        return true
    }

    /// Gives back the slot `reserveConnectionSlot(for:)` took for `peer`.
    func connectionClosed(from peer: SocketAddress) {
        peerConnections?.close(from: peer)
        connectionClosed()
    }

    func connectionClosed() {
        let remaining = openConnections.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue
        guard remaining == 0 else { return }
        let waiters = lifecycle.withLock { state in
            defer { state.drainWaiters = [] }
            return state.drainWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
