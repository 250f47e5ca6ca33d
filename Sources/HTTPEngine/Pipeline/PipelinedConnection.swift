import CLinuxSystem
import Glibc

/// One TCP connection to a server that answers requests in the order they were sent, shared by
/// every caller on its loop: requests queued in one loop turn go out in one write, and each
/// complete reply goes to the oldest waiter.
///
/// Loop-confined (`@unchecked Sendable`: every stored property is touched on `loop`'s thread
/// only; callers are pinned there by `PipelinedClient`). The rejected alternative was a
/// connection per caller, or one borrowed from a pool per request as the HTTP client does: a
/// rate limiter asks its store once per request, and a round trip per request on a connection
/// of its own would cap the rate at what one round trip allows, whereas one shared connection
/// sends a whole turn's requests together and reads their replies together.
final class PipelinedConnection<Codec: PipelineCodec>: @unchecked Sendable {
    enum State {
        case resolving
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
    /// The server's `host:port`, for errors.
    let server: String
    let configuration: PipelineConfiguration
    var state = State.resolving
    var codec: Codec
    /// The socket and its buffers; reads grow to 256 KiB for a burst of replies.
    var core = ConnectionCore(minimumReadSize: 4096, maximumReadSize: 256 * 1024)
    /// Waiters in request order; those before `pendingHead` are answered.
    var pending: [Pending] = []
    var pendingHead = 0
    var nextIdentifier: UInt64 = 1
    var isFlushScheduled = false
    /// Setup replies still to come; the connection counts as established when none is left.
    var setupRepliesAwaited = 0
    /// Set by a graceful shutdown: the connection closes once no reply is awaited.
    var closesWhenDrained = false
    /// Whether the connection was ever established; a failure before that is a failed connect.
    var hasBeenEstablished: Bool { wasEstablished || isEstablished }
    var wasEstablished = false
    /// Until when resolving, connecting and the setup replies may take.
    let connectDeadline: UInt64
    /// Addresses still to try if the current connect fails.
    var remainingAddresses: ArraySlice<SocketAddress> = []
    /// Successful socket writes; with batching, far fewer than requests.
    var writeCount = 0
    /// Replies handed out (to callers, setup checks or abandoned places).
    var replyCount = 0
    /// Called once, when the connection closes: nil after a clean close, else why it failed.
    var onClose: ((HTTPEngineError?) -> Void)?

    init(loop: EventLoop, server: String, configuration: PipelineConfiguration, codec: Codec) {
        self.loop = loop
        self.server = server
        self.configuration = configuration
        self.codec = codec
        connectDeadline = EventLoop.monotonicNanoseconds() &+ configuration.connectTimeout.nanoseconds
    }

    /// Waiters still queued (answered ones excluded).
    var pendingCount: Int { pending.count - pendingHead }

    /// Whether requests may still be queued.
    var isUsable: Bool { state != .closed }

    /// Connects to the first of `addresses`; a refused or failed connect moves on to the next.
    func connect(to addresses: ArraySlice<SocketAddress>) {
        loop.assertInEventLoop()
        guard state != .closed, let address = addresses.first else { return }
        state = .connecting
        let isConnected: Bool
        do {
            isConnected = try core.startConnect(to: address, on: loop, handler: self)
        } catch {
            if addresses.count > 1 { return connect(to: addresses.dropFirst()) }
            return fail(.connectFailure(to: server, errorNumber: error.errorNumber))
        }
        remainingAddresses = addresses.dropFirst()
        if isConnected { finishConnect() } else { afterEvent() }
    }

    /// Checks the outcome of the connect: on success queued requests start flowing.
    func finishConnect() {
        guard state == .connecting else { return }
        let errorNumber = Socket.pendingError(core.descriptor)
        guard errorNumber == 0 else {
            core.close(on: loop)
            if !remainingAddresses.isEmpty { return connect(to: remainingAddresses) }
            return fail(.connectFailure(to: server, errorNumber: errorNumber))
        }
        state = .open
        flush()
        afterEvent()
    }

    /// Whether the connect and every setup reply are done.
    var isEstablished: Bool { state == .open && setupRepliesAwaited == 0 }

    /// Fails every waiter with `error` and closes the socket.
    func fail(_ error: HTTPEngineError) {
        guard state != .closed else { return }
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
        let onClose = onClose
        self.onClose = nil
        onClose?(error)
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
        let onClose = onClose
        self.onClose = nil
        onClose?(nil)
    }
}
