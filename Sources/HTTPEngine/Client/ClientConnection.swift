import CLinuxSystem
import Glibc

/// One upstream TCP connection: connects, writes a request, parses the response
/// and hands the body to the caller with back-pressure; returns itself to its pool
/// when both sides allow keep-alive.
///
/// `@unchecked Sendable`: every stored property is read and written only on
/// `loop`'s thread. Callers run there: the client and the response body pin their
/// tasks to the loop with a task executor preference (checked by `assertInEventLoop`),
/// and the rest are epoll and timer callbacks.
final class ClientConnection: @unchecked Sendable {
    /// Where the connection is in its life.
    enum State {
        case connecting
        /// In the pool, waiting for a request.
        case idle
        /// Leased to one request.
        case active
        case closed
    }

    static let readChunkSize = 64 * 1024

    let loop: EventLoop
    let pool: ConnectionPool<ClientConnection>
    let configuration: HTTPClientConfiguration
    /// `configuration`'s time-outs in nanoseconds.
    let spans: ClientTimeoutSpans
    /// The socket and its buffers; reads ask for 4 KiB for response heads, up to 64 KiB while a body streams in.
    var core = ConnectionCore(minimumReadSize: 4096, maximumReadSize: ClientConnection.readChunkSize)
    var parser: HTTPParser
    var state = State.connecting
    var isProcessingInbound = false
    var connectCompletion: ((Result<ClientConnection, HTTPEngineError>) -> Void)?
    /// Exchanges finished on this connection; more than zero means it came from the pool.
    var completedExchanges = 0

    // The current exchange; reset by `startExchange`.
    var exchangeNumber: UInt64 = 0
    var headWaiter: UnsafeContinuation<HTTPClientResponse, any Error>?
    /// The callback form of `headWaiter`: the exchange started with `HTTPClient.start` that
    /// gets the head. The exchange itself rather than a closure calling it, which cost an
    /// allocation per request.
    var headReceiver: HTTPClientExchange?
    /// A failure or response that arrived before the caller started waiting for it.
    var earlyOutcome: Result<HTTPClientResponse, any Error>?
    /// A head receiver and its outcome queued for the end of the turn (see `deliver`).
    var pendingDelivery: (receiver: HTTPClientExchange, outcome: Result<HTTPClientResponse, any Error>)?
    var bodyChannel: BodyChunkBuffer?
    var bodyWriter: Task<Void, Never>?
    var requestFraming = HTTPBodyFraming.none
    var remainingRequestBytes: Int?
    var isRequestSent = false
    var isRequestKeepAlive = true
    var isOutputBroken = false
    var hasReceivedResponseBytes = false
    var hasResponseHead = false
    var isSkippingInterimResponse = false
    var isResponseKeepAlive = false
    // True between exchanges, so input arriving then is seen as the connection dying.
    var isResponseComplete = true
    var isBodyPaused = false
    var hasPeerClosedInput = false
    /// The streamed-body writer waiting for output to drain; made on first use, so exchanges
    /// whose request fits the socket do not pay for it.
    var writeWaiter: SingleWaiter<Void>?
    /// Whether the last failure was a pooled connection found closed before any
    /// response byte: the case where replaying an idempotent request is safe.
    var failedAsStale = false

    // Time-outs: one lazily re-armed timer instead of one per phase.
    var stateStartedAt: UInt64
    /// The request's own time-out for the current exchange (monotonic nanoseconds, 0 for
    /// none): until the response head arrives it joins `currentDeadline`, so a total limit
    /// rides on the connection's one timer instead of costing a task group per request.
    var exchangeDeadline: UInt64 = 0
    var lastActivityAt: UInt64

    init(pool: ConnectionPool<ClientConnection>) {
        self.loop = pool.loop
        self.pool = pool
        self.configuration = pool.configuration
        spans = ClientTimeoutSpans(pool.configuration)
        parser = HTTPParser(mode: .response, limits: pool.configuration.parserLimits)
        parser.headerRoom = pool.configuration.responseHeaderRoom
        let now = EventLoop.monotonicNanoseconds()
        stateStartedAt = now
        lastActivityAt = now
    }

    /// Checks the outcome of the connect and reports it.
    func finishConnect() {
        guard state == .connecting else { return }
        let errorNumber = Socket.pendingError(core.descriptor)
        guard errorNumber == 0 else {
            fail(pool.connectError(errorNumber: errorNumber))
            return
        }
        state = .active
        stateStartedAt = EventLoop.monotonicNanoseconds()
        configuration.observer?.upstreamConnected(pool.upstream.description)
        let completion = connectCompletion
        connectCompletion = nil
        afterEvent()
        completion?(.success(self))
    }

    /// Moves a finished connection into the pool's idle list.
    func becomeIdle() {
        state = .idle
        stateStartedAt = EventLoop.monotonicNanoseconds()
        afterEvent()
    }

    /// Takes an idle connection out of the pool for a request.
    func lease() {
        state = .active
        afterEvent()
    }

    /// Fails whatever waits on this connection with `error` and closes it.
    func fail(_ error: any Error) {
        guard state != .closed else { return }
        let connectCompletion = connectCompletion
        self.connectCompletion = nil
        let isHeadAwaited = headWaiter != nil || headReceiver != nil
        if !isHeadAwaited, !hasResponseHead, exchangeNumber > 0 { earlyOutcome = .failure(error) }
        // Before closing: `close` would hand the waiter the less specific `closedEarly`.
        if isHeadAwaited { deliver(.failure(error)) }
        bodyChannel?.fail(error)
        bodyChannel = nil
        close()
        connectCompletion?(.failure(error as? HTTPEngineError ?? closedEarly))
    }

    /// Closes the socket at once; waiters see `.connectionClosed` unless failed before.
    func close() {
        guard state != .closed else { return }
        let wasConnected = state != .connecting
        state = .closed
        core.close(on: loop)
        bodyChannel?.fail(closedEarly)
        bodyChannel = nil
        bodyWriter?.cancel()
        bodyWriter = nil
        writeWaiter?.resume(throwing: closedEarly)
        if headWaiter != nil || headReceiver != nil { deliver(.failure(closedEarly)) }
        let connectCompletion = connectCompletion
        self.connectCompletion = nil
        connectCompletion?(.failure(closedEarly))
        pool.connectionClosed(self, wasEstablished: wasConnected)
    }

    /// What waiters see when the connection ends mid-exchange without a more specific error.
    var closedEarly: HTTPEngineError { .connectionClosed(by: pool.upstream.description) }

    /// Re-evaluates epoll interest and the time-out after any state change.
    func afterEvent() {
        guard state != .closed else { return }
        updateInterest()
        refreshDeadline()
    }
}

extension ClientConnection: EventLoopFileDescriptorHandler {
    func readable() {
        switch state {
        case .active:
            readInput()
        case .idle:
            discardIdleInput()
        case .connecting, .closed:
            break
        }
    }

    func writable() {
        switch state {
        case .connecting:
            finishConnect()
        case .active:
            flush()
            afterEvent()
        case .idle, .closed:
            break
        }
    }

    /// The loop exits under the pool: nothing may connect again, and this socket closes.
    func loopDidExit() {
        pool.loopDidExit()
        close()
    }

    func hangup() {
        switch state {
        case .connecting:
            finishConnect()
            // A hang-up with no pending error still means the connect is unusable.
            if state == .connecting { fail(closedEarly) }
        case .active:
            // Read what is left: a complete response may sit before the close. Failing
            // whatever remains (even with the body paused) beats spinning: epoll keeps
            // reporting a hang-up whatever the interest.
            readInput()
            if state == .active { fail(noResponseOrTruncated()) }
        case .idle:
            close()
        case .closed:
            break
        }
    }
}

extension ClientConnection: PooledConnection {
    typealias Configuration = HTTPClientConfiguration

    var isConnecting: Bool { state == .connecting }

    /// One while leased to an exchange, else none.
    var carriedRequests: Int { state == .active ? 1 : 0 }

    var isAcceptingRequests: Bool { state != .closed }

    /// An idle connection closes now; a busy one closes when its exchange hands it back to the
    /// draining pool.
    func closeWhenDrained() {
        if state == .idle { close() }
    }

    func failForShutdown() {
        fail(HTTPEngineError.shutDown)
    }
}
