import CLinuxSystem
import Glibc

/// One TCP connection to a server that answers requests in the order they were sent, shared by
/// every caller on its loop: requests queued in one loop turn go out in one write, and each
/// complete reply goes to the oldest waiter.
///
/// Loop-confined (`@unchecked Sendable`: every stored property is touched on `loop`'s thread
/// only; callers are pinned there by `PipelinedClient`). Its `ConnectionPool` shares it rather
/// than leasing it per request as the HTTP client does: a rate limiter asks its store once per
/// request, and a round trip per request on a connection of its own would cap the rate at what
/// one round trip allows, whereas one shared connection sends a whole turn's requests together
/// and reads their replies together.
final class PipelinedConnection<Codec: PipelineCodec>: @unchecked Sendable {
    enum State {
        case connecting
        case open
        case closed
    }

    /// Who gets the reply at one position of the queue.
    enum Waiter {
        /// A caller suspended in `send`.
        case task(UnsafeContinuation<Codec.Reply, any Error>)
        /// A setup request sent on connect; an error from the check closes the connection.
        case setup((Codec.Reply) -> (any Error)?)
        /// A caller that was cancelled: its reply still arrives, in its turn, and is dropped.
        case abandoned
    }

    struct Pending {
        let identifier: UInt64
        /// When the reply is overdue, on the `EventLoop.monotonicNanoseconds()` clock.
        let deadline: UInt64
        var waiter: Waiter
    }

    let loop: EventLoop
    let pool: ConnectionPool<PipelinedConnection>
    /// The server's `host:port`, for errors.
    let server: String
    let configuration: PipelineConfiguration
    var state = State.connecting
    var codec: Codec
    /// The socket and its buffers; reads grow to 256 KiB for a burst of replies.
    var core = ConnectionCore(minimumReadSize: 4096, maximumReadSize: 256 * 1024)
    /// Waiters in request order; those before `pendingHead` are answered.
    var pending: [Pending] = []
    var pendingHead = 0
    var nextIdentifier: UInt64 = 1
    /// Setup replies still to come; the connection counts as established when none is left.
    var setupRepliesAwaited = 0
    /// Set by a graceful shutdown: the connection closes once no reply is awaited.
    var closesWhenDrained = false
    /// Whether the connection was ever established; a failure before that is a failed connect.
    var hasBeenEstablished: Bool { wasEstablished || isEstablished }
    var wasEstablished = false
    /// Why the connection failed after connecting but before its setup was done (a login that
    /// timed out, a refused one). A requester its connect was handed to resumes as a later job
    /// of the loop, and a deadline may fail the connection first: that requester gets this
    /// reason too, not `.connectionClosed` (which told a CI run's Redis test that an unanswered
    /// login was a closed connection).
    var setupFailure: HTTPEngineError?
    /// Until when connecting and the setup replies may take.
    let connectDeadline: UInt64
    /// Called once with the outcome of the connect; set by the pool.
    var connectCompletion: ((Result<PipelinedConnection, HTTPEngineError>) -> Void)?
    /// Successful socket writes; with batching, far fewer than requests.
    var writeCount = 0
    /// Replies handed out (to callers, setup checks or abandoned places).
    var replyCount = 0

    init(pool: ConnectionPool<PipelinedConnection>) {
        self.pool = pool
        loop = pool.loop
        server = pool.upstream.description
        configuration = pool.configuration.configuration
        codec = pool.configuration.setup.makeCodec()
        connectDeadline = EventLoop.monotonicNanoseconds() &+ configuration.connectTimeout.nanoseconds
    }

    /// Waiters still queued (answered ones excluded).
    var pendingCount: Int { pending.count - pendingHead }

    /// Checks the outcome of the connect: on success the setup requests go out first, and the
    /// pool hands the connection to the requests waiting for it.
    func finishConnect() {
        guard state == .connecting else { return }
        let errorNumber = Socket.pendingError(core.descriptor)
        // The pool tries the host's next address, if any.
        guard errorNumber == 0 else { return fail(.connectFailure(to: server, errorNumber: errorNumber)) }
        state = .open
        let setup = pool.configuration.setup
        for request in setup.requests { sendSetup(request, check: setup.checkReply) }
        flush()
        afterEvent()
        let connectCompletion = connectCompletion
        self.connectCompletion = nil
        connectCompletion?(.success(self))
    }

    /// Whether the connect and every setup reply are done.
    var isEstablished: Bool { state == .open && setupRepliesAwaited == 0 }

    /// Fails every waiter with `error` and closes the socket.
    func fail(_ error: HTTPEngineError) {
        guard state != .closed else { return }
        // Connected but refused in setup (or timed out in it): a failed connect for the back-off.
        // A refused last setup reply leaves nothing awaited, so the code says it too.
        let setupFailure = (state == .open && !isEstablished) || error.code == .setupRejected ? error : nil
        self.setupFailure = setupFailure
        wasEstablished = hasBeenEstablished
        state = .closed
        core.close(on: loop)
        core.outbound.removeAll()
        let waiting = pending[pendingHead...]
        pending = []
        pendingHead = 0
        for entry in waiting {
            if case .task(let continuation) = entry.waiter { continuation.resume(throwing: error) }
        }
        reportClosed(setupFailure: setupFailure)
        let connectCompletion = connectCompletion
        self.connectCompletion = nil
        connectCompletion?(.failure(error))
    }

    /// What waiters see when the connection ends before their replies.
    var closedEarly: HTTPEngineError { .connectionClosed(by: server) }

    /// Closes a connection nobody waits on (`pendingCount == 0`), e.g. at shutdown.
    func closeIdle() {
        guard state != .closed else { return }
        precondition(pendingCount == 0, "closeIdle() with replies still pending")
        wasEstablished = hasBeenEstablished
        state = .closed
        core.close(on: loop)
        reportClosed(setupFailure: nil)
    }

    /// Adds this connection's counts to the loop's totals and gives its slot back to the pool.
    private func reportClosed(setupFailure: HTTPEngineError?) {
        pool.configuration.closedStatistics.writes += writeCount
        pool.configuration.closedStatistics.replies += replyCount
        pool.connectionClosed(self, wasEstablished: wasEstablished, setupFailure: setupFailure)
    }
}

extension PipelinedConnection: PooledConnection {
    var isConnecting: Bool { state == .connecting }

    var carriedRequests: Int { pendingCount }

    var isAcceptingRequests: Bool { state != .closed && !closesWhenDrained }

    /// Closes at once; the replies still awaited fail with `.connectionClosed`.
    func close() {
        fail(closedEarly)
    }

    func closeWhenDrained() {
        if pendingCount == 0 { closeIdle() } else { closesWhenDrained = true }
    }

    func failForShutdown() {
        fail(.shutDown)
    }
}
