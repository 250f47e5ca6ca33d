import CLinuxSystem
import Glibc

/// One accepted client connection: reads and parses requests, runs the handler,
/// writes responses in order, and enforces limits and time-outs.
///
/// `@unchecked Sendable`: every stored property is read and written only on
/// `loop`'s thread. Entry points that may be called elsewhere (`send`,
/// `writeBody`, `bodyDemanded`) first move onto the loop via `loop.perform` or
/// `loop.execute`; the others are epoll and timer callbacks, which run there.
final class ServerConnection: @unchecked Sendable {
    /// Where the connection is in its request cycle.
    enum Phase {
        /// Between requests, nothing of the next one received.
        case idle
        /// Part of a request head received.
        case readingHead
        /// A request was parsed and its exchange is in progress.
        case handling
        /// A final response is being flushed; input is ignored.
        case closing
        /// Output is shut down; input is discarded briefly so the peer sees our response, not a reset.
        case lingering
        case closed
    }

    /// How far the current response has been written.
    enum ResponseProgress {
        case notStarted
        case streaming(isChunked: Bool, remaining: Int?)
        case complete
    }

    static let readChunkSize = 64 * 1024
    /// The first read's size, enough for a typical request head.
    static let initialReadSize = 4096
    static let lingerTime: Duration = .seconds(2)
    /// How long an idle connection may still deliver a request once shutdown starts. A busy
    /// client has usually sent its next request within microseconds; answering it with
    /// `Connection: close` beats a close it can only report as an error (wrk: a read error).
    static let shutdownIdleGrace: Duration = .milliseconds(250)

    let loop: EventLoop
    let context: ServerLoopContext
    /// The connection's addresses, loop and error reporter, which its requests share.
    let origin: RequestOrigin
    let configuration: HTTPServerConfiguration
    /// `configuration`'s time-outs in nanoseconds.
    let spans: ServerTimeoutSpans
    /// The socket and its buffers; reads ask for 4 KiB for request heads, up to 64 KiB while a body streams in.
    var core = ConnectionCore(minimumReadSize: ServerConnection.initialReadSize, maximumReadSize: ServerConnection.readChunkSize)
    var parser: HTTPParser
    var phase = Phase.idle
    var isProcessingInbound = false
    var hasPeerClosedInput = false
    var isFirstRequest = true
    /// Bytes read from the socket so far; lets tests see whether the connection still reads.
    var receivedByteCount = 0
    var closeAfterFlush = false
    /// Set while unsent output is above the high-water mark: no reading or parsing until it drains.
    var isInputPausedForOutput = false
    /// The streamed-body writer waiting for output to drain; made on first use, so
    /// connections that never back up do not pay for it.
    var writeWaiter: SingleWaiter<Void>?
    var isHandlerTaskRunning = false
    /// The connection's handler task; cancelled once no response it makes can reach the client.
    var handlerTask: Task<Void, Never>?
    var pendingRequest: (HTTPRequest, UInt64)?
    /// A streamed response `respondImmediately` gave for the pending request: the handler task
    /// sends it instead of calling `handle`, since producing its body needs a task.
    var readyResponse: HTTPResponse?
    var requestWaiter: UnsafeContinuation<(HTTPRequest, UInt64)?, Never>?
    /// The request whose answer the handler gives later through an `HTTPResponder`.
    var deferredRequest: DeferredRequest?
    /// What the handler asked to run if the client connection ends before that answer.
    var deferredCancellation: (@Sendable () -> Void)?
    /// The number of the last request answered through an `HTTPResponder`, to catch a second answer.
    var lastDeferredAnswer: UInt64 = 0

    // The current exchange; reset by `startExchange`.
    var requestNumber: UInt64 = 0
    var isKeepAlive = false
    var isHeadRequest = false
    var requestVersion = HTTPVersion.http1_1
    var bodyChannel: BodyChunkBuffer?
    var isRequestBodyComplete = true
    var isBodyPaused = false
    var isContinuePending = false
    var receivedBodyBytes = 0
    var declaredBodyLength: Int?
    var isDraining = false
    var response = ResponseProgress.complete

    // Time-outs: one lazily re-armed timer per connection instead of one per request.
    var phaseStartedAt: UInt64
    var lastReadAt: UInt64
    var lastWriteProgressAt: UInt64 = 0
    /// When the request body's total deadline started counting, moved later by the time
    /// the server held the body back (handler not reading, 100 Continue not sent yet).
    var bodyClockStartedAt: UInt64 = 0
    /// When the server started holding the body back; 0 while the client is being waited for.
    var bodyClockPausedAt: UInt64 = 0
    var lingerDeadline: UInt64 = 0
    /// Non-zero once shutdown found the connection idle: when it gets a lingering close.
    var shutdownIdleDeadline: UInt64 = 0

    init(loop: EventLoop, context: ServerLoopContext, remoteAddress: SocketAddress, localAddress: SocketAddress) {
        self.loop = loop
        self.context = context
        origin = RequestOrigin(remoteAddress: remoteAddress, localAddress: localAddress, eventLoop: loop, errorReporter: context.configuration.onHandlerError)
        self.configuration = context.configuration
        spans = ServerTimeoutSpans(context.configuration)
        parser = HTTPParser(mode: .request, limits: context.configuration.parserLimits)
        let now = EventLoop.monotonicNanoseconds()
        phaseStartedAt = now
        lastReadAt = now
    }

    /// Takes the accepted socket, registers it with the loop and arms the first-request
    /// time-out; on failure the socket is closed and the caller closes the connection.
    func start(_ descriptor: Int32) throws {
        _ = cls_set_int_option(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        try core.register(descriptor, interest: .readable, on: loop, handler: self)
        refreshDeadline()
    }

    /// Closes the socket at once and fails anything waiting on it.
    func close() {
        guard phase != .closed else { return }
        phase = .closed
        core.close(on: loop)
        // Before failing the body: a handler resumed by that failure already sees the cancellation.
        cancelHandler()
        bodyChannel?.fail(HTTPEngineError.connectionClosed())
        bodyChannel = nil
        writeWaiter?.resume(throwing: HTTPEngineError.connectionClosed())
        pendingRequest = nil
        readyResponse = nil
        deferredRequest = nil
        let handlerTask = requestWaiter
        requestWaiter = nil
        handlerTask?.resume(returning: nil)
        context.connectionClosed(self)
    }

    /// Graceful shutdown: a request that has already arrived — or arrives within
    /// `shutdownIdleGrace` — is answered (with `Connection: close`); then an idle connection
    /// gets a lingering close (half-close, drain input briefly, close), so a request racing
    /// the close sees a clean end of stream, not a reset. A response still being flushed is
    /// followed by the same lingering close.
    func beginShutdown() {
        switch phase {
        case .idle:
            // Bytes may sit in the socket with their readiness event not dispatched yet.
            if core.outbound.isEmpty, !hasPeerClosedInput { readable() }
            guard phase == .idle else { return }
            if core.outbound.isEmpty, !hasPeerClosedInput {
                shutdownIdleDeadline = loop.turnNanoseconds &+ Self.shutdownIdleGrace.nanoseconds
                afterEvent()
                return
            }
            startClosingAfterFlush()
        case .readingHead, .handling:
            isKeepAlive = false
        case .closing, .lingering, .closed:
            break
        }
    }

    /// Stops taking requests and starts the lingering close once queued output is out.
    func startClosingAfterFlush() {
        phase = .closing
        closeAfterFlush = true
        flush()
        afterEvent()
    }

    /// Re-evaluates epoll interest and the time-out after any state change.
    func afterEvent() {
        guard phase != .closed else { return }
        updateInterest()
        if phase == .handling, !isRequestBodyComplete { updateBodyClock() }
        refreshDeadline()
    }
}

extension ServerConnection: EventLoopFileDescriptorHandler {
    func readable() {
        if phase == .lingering {
            discardLingeringInput()
            return
        }
        guard phase != .closed, phase != .closing else { return }
        let room = readAheadLimit - core.inbound.readableCount
        // Interest normally drops before the buffer is full; if not, it catches up here.
        guard room > 0 else {
            afterEvent()
            return
        }
        let count: Int?
        do {
            count = try core.read(room: room)
        } catch {
            close()
            return
        }
        guard let count else { return }
        if count == 0 {
            hasPeerClosedInput = true
        } else {
            receivedByteCount += count
            lastReadAt = loop.turnNanoseconds
        }
        processInbound()
        // Back to small reads with nothing buffered: the body is over, keep-alive may idle long.
        core.releaseCapacityIfIdle()
        if hasPeerClosedInput { handlePeerClosedInput() }
        afterEvent()
    }

    func writable() {
        flush()
        afterEvent()
    }

    func hangup() {
        close()
    }
}
