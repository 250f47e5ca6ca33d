/// The pipelined connection from one event loop to one server: opened when first needed,
/// replaced when it breaks, and not retried during a back-off delay after a failed connect.
///
/// A failed connect (refused, unresolvable, timed out, setup refused) makes the next attempt
/// wait `initialReconnectDelay × 2^(failures − 1)`, capped at `maxReconnectDelay` and scaled by a
/// random factor in 0.5...1 so many clients do not reconnect in step. Requests during the delay
/// fail at once with `HTTPEngineError` `.backingOff`, carrying the last failure: a dead server then costs a caller
/// microseconds, not a connect time-out. A connection that worked and broke is replaced at once.
///
/// `@unchecked Sendable`: all state is touched on `loop`'s thread only.
final class LoopPipeline<Codec: PipelineCodec>: @unchecked Sendable {
    let loop: EventLoop
    let server: Upstream
    let configuration: PipelineConfiguration
    let setup: PipelineSetup<Codec>
    private var connection: PipelinedConnection<Codec>?
    private var consecutiveFailures = 0
    private var retryNotBefore: UInt64 = 0
    /// The last failed connect, while the connects fail; one of `connectFailureCodes`.
    private var lastFailure: HTTPEngineError?
    private var isShuttingDown = false
    private var shutdownWaiters: [UnsafeContinuation<Void, Never>] = []
    private lazy var resolver = HostResolver(loop: loop, configuration: HTTPClientConfiguration())
    /// Counts of connections that have closed, plus connects started.
    private var closedTotals = PipelineStatistics()

    /// Counts for tests and operators: connections opened, writes, replies.
    var statistics: PipelineStatistics {
        var totals = closedTotals
        if let connection {
            totals.writes += connection.writeCount
            totals.replies += connection.replyCount
        }
        return totals
    }

    init(loop: EventLoop, server: Upstream, configuration: PipelineConfiguration, setup: PipelineSetup<Codec>) {
        self.loop = loop
        self.server = server
        self.configuration = configuration
        self.setup = setup
    }

    /// Sends `request` on this loop's connection, opening one if needed (loop thread only).
    func send(_ request: Codec.Request) async throws -> Codec.Reply {
        loop.assertInEventLoop()
        guard !isShuttingDown else { throw HTTPEngineError.shutDown }
        return try await usableConnection().send(request)
    }

    private func usableConnection() throws -> PipelinedConnection<Codec> {
        if let connection, connection.isUsable, !connection.closesWhenDrained { return connection }
        if let lastFailure, EventLoop.monotonicNanoseconds() < retryNotBefore {
            throw HTTPEngineError.backingOff(after: lastFailure)
        }
        let connection = openConnection()
        // A connect can fail before returning (no socket, refused at once): report that failure.
        guard connection.isUsable else { throw lastFailure ?? connection.closedEarly }
        return connection
    }

    private func openConnection() -> PipelinedConnection<Codec> {
        let connection = PipelinedConnection(loop: loop, server: server.description, configuration: configuration, codec: setup.makeCodec())
        self.connection = connection
        closedTotals.connectionsOpened += 1
        // Weak: a client dropped without `shutdown()` leaves its connection registered with the
        // loop until the server closes it, and by then this pipeline may be gone.
        connection.onClose = { [weak self, unowned connection] error in
            self?.connectionClosed(connection, error: error)
        }
        for request in setup.requests { connection.sendSetup(request, check: setup.checkReply) }
        if let address = server.numericAddress {
            connection.connect(to: [address][...])
        } else {
            connection.afterEvent()
            resolver.addresses(for: server) { [server] answer in
                switch answer {
                case .success(let addresses): connection.connect(to: addresses[...])
                case .failure: connection.fail(.unresolvableHost(server.host))
                }
            }
        }
        return connection
    }

    private func connectionClosed(_ closed: PipelinedConnection<Codec>, error: HTTPEngineError?) {
        if connection === closed { connection = nil }
        closedTotals.writes += closed.writeCount
        closedTotals.replies += closed.replyCount
        if closed.wasEstablished {
            consecutiveFailures = 0
            lastFailure = nil
        } else if let error, Self.connectFailureCodes.contains(error.code) {
            consecutiveFailures += 1
            lastFailure = error
            retryNotBefore = EventLoop.monotonicNanoseconds() &+ reconnectDelay().nanoseconds
        }
        if isShuttingDown, connection == nil { finishShutdown() }
    }

    /// The failures of a connect, which start or lengthen the back-off; the others (a
    /// time-out, a close, garbage, a shutdown) end a connection that worked.
    static var connectFailureCodes: Set<HTTPEngineError.Code> {
        [.unresolvableHost, .connectRefused, .connectFailed, .connectTimeout, .setupRejected]
    }

    /// The back-off delay after `consecutiveFailures` failed connects, with jitter.
    func reconnectDelay() -> Duration {
        let doublings = min(consecutiveFailures - 1, 30)
        let delay = min(configuration.initialReconnectDelay * (1 << doublings), configuration.maxReconnectDelay)
        return delay * Double.random(in: 0.5...1)
    }

    /// Stops taking requests; returns once the replies already awaited have come (or timed
    /// out) and the connection is closed (loop thread only).
    func shutdown() async {
        loop.assertInEventLoop()
        isShuttingDown = true
        if let connection {
            if connection.pendingCount == 0 { connection.closeIdle() } else { connection.closesWhenDrained = true }
        }
        guard connection != nil else { return }
        await withUnsafeContinuation { shutdownWaiters.append($0) }
    }

    /// Fails whatever waits now, for a shutdown that cannot wait (loop thread only).
    func closeNow() {
        isShuttingDown = true
        connection?.fail(.shutDown)
    }

    private func finishShutdown() {
        let waiters = shutdownWaiters
        shutdownWaiters = []
        for waiter in waiters { waiter.resume() }
    }
}
