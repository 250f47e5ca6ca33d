import Glibc

/// The byte-level half every connection shares: the socket and its epoll registration, an
/// adaptive receive buffer, the queue of chunks sent with one gathered write, and the one
/// deadline timer.
///
/// The server connection, the HTTP client connection and the pipelined connection each embed
/// one and keep only their protocol's state machine: when to read, what the bytes mean, what
/// may be sent next. (Before, each of the three held its own copies of these fields and of the
/// read, flush, interest and close code, and they drifted: only the server adapted its read
/// size, only the pipelined connection gave back a grown buffer.)
///
/// A struct stored inline rather than a class each connection points to: no allocation and no
/// indirection per connection, and every method is specialized into its caller. Loop-confined
/// like its owner; the owner passes its loop, which the core does not keep a second reference to.
struct ConnectionCore {
    /// The socket, or -1 before `register` and after `close`.
    private(set) var descriptor: Int32 = -1
    /// The interest registered with epoll; nil while no socket is registered.
    private(set) var interest: EventInterest?
    let inbound: ReceiveBuffer
    /// How much the next `read` asks for: small for heads and replies, growing while a body streams in.
    var readSize: AdaptiveReadSize
    var outbound = OutboundBuffer()
    var deadlineTimer = ConnectionDeadline()
    /// Whether a send of the queued output is due on the loop's way out of this turn.
    private(set) var isFlushScheduled = false

    /// A core whose reads start at `minimumReadSize` bytes and grow up to `maximumReadSize`.
    init(minimumReadSize: Int, maximumReadSize: Int) {
        inbound = ReceiveBuffer(capacity: minimumReadSize)
        readSize = AdaptiveReadSize(minimum: minimumReadSize, maximum: maximumReadSize)
    }

    /// Whether a socket is registered (from `register` until `close`).
    var isRegistered: Bool { descriptor >= 0 }

    /// Whether epoll must report writability: output is queued and no send of it is due at
    /// the end of this turn. (Asking for writability for output about to be sent anyway
    /// would cost two `epoll_ctl` calls per message.)
    var isWaitingToWrite: Bool { !outbound.isEmpty && !isFlushScheduled }

    /// Has `connection.flushScheduledOutput()` called on `loop`'s way out of this turn, unless
    /// it already will be (loop thread only); that method calls `scheduledFlushBegins()` first.
    ///
    /// Why a whole message waits for the end of the turn instead of going out at once: a turn
    /// handles every connection epoll reported, so a loop under load queues many responses
    /// (and upstream requests) per turn. Sent one by one as each was queued, every send woke
    /// its reader (wrk, the upstream's worker) for that one message; sent back to back at the
    /// end, a reader that wakes finds several. Side by side (stage 5 proxy, `wrk -t1 -c64`, ten
    /// alternating rounds) the upstream woke 0.16 times per request instead of 0.23, and
    /// both it and the proxy spent less CPU per request (docs/http-engine.md, "Writes").
    /// HAProxy, traced under the same load, also reads everything a poll reported before it
    /// sends; where io_uring is available the loop sends them all in one system call
    /// (`SendBatch`). The cost is latency within a turn: a message waits for the rest of its
    /// turn's work, microseconds against the milliseconds a loaded client waits anyway.
    /// Streamed bodies still go out as they come, since their back-pressure reads the queue
    /// right after each send.
    mutating func scheduleFlush(on loop: EventLoop, for connection: any EndOfTurnFlushing) {
        guard !isFlushScheduled else { return }
        isFlushScheduled = true
        loop.flushAtEndOfTurn(connection)
    }

    /// Marks the scheduled send as done; the owner's `flushScheduledOutput()` calls it before sending.
    mutating func scheduledFlushBegins() {
        isFlushScheduled = false
    }

    /// Takes ownership of `descriptor` and registers it with `loop` for `interest`; on failure
    /// closes it and throws (loop thread only).
    mutating func register(
        _ descriptor: Int32,
        interest: EventInterest,
        on loop: EventLoop,
        handler: any EventLoopFileDescriptorHandler
    ) throws {
        precondition(!isRegistered, "ConnectionCore.register(_:) on a core that already has a socket")
        do {
            try loop.register(fileDescriptor: descriptor, interest: interest, handler: handler)
        } catch {
            Glibc.close(descriptor)
            throw error
        }
        self.descriptor = descriptor
        self.interest = interest
    }

    /// Starts a non-blocking connect to `address` and registers its socket for writability,
    /// which reports the outcome (loop thread only): whether it connected at once, or throws
    /// the `errno` of the failure (`EIO` when there is none to report).
    mutating func startConnect(
        to address: SocketAddress,
        on loop: EventLoop,
        handler: any EventLoopFileDescriptorHandler
    ) throws(ConnectFailure) -> Bool {
        do {
            let started = try Socket.startConnect(to: address)
            try register(started.descriptor, interest: .writable, on: loop, handler: handler)
            return started.isConnected
        } catch {
            throw ConnectFailure(errorNumber: (error as? SystemError)?.errorNumber ?? EIO)
        }
    }

    /// Why `startConnect` failed, as the `errno` the owner puts in its own error.
    struct ConnectFailure: Error {
        let errorNumber: Int32
    }

    /// Asks epoll for `wanted`, unless that is what it delivers already; throws when epoll refuses.
    @inline(__always)
    mutating func setInterest(_ wanted: EventInterest, on loop: EventLoop) throws {
        guard isRegistered, wanted != interest else { return }
        try loop.setInterest(wanted, fileDescriptor: descriptor)
        interest = wanted
    }

    /// Reads once into the receive buffer, asking for the adaptive size but for no more than
    /// `room` bytes: the byte count, 0 at end of stream, nil when it would block or there is no
    /// room; throws on errors (a reset).
    ///
    /// The room is what keeps read-ahead within its bound: checking the buffer only before a
    /// read (the rejected first edition) let one read of up to 64 KiB land on a buffer just
    /// under its limit, so a connection held the limit plus a whole read.
    @inline(__always)
    mutating func read(room: Int) throws -> Int? {
        let asked = min(readSize.current, room)
        guard asked > 0 else { return nil }
        let count = try inbound.read(from: descriptor, reserving: asked, upTo: asked)
        // A read cut short by the room says nothing about the traffic: only whole asks adjust the size.
        if let count, count > 0, asked == readSize.current { readSize.record(count) }
        return count
    }

    /// Reads and drops what arrived (into the buffer's free space, which keeps nothing): the
    /// byte count, 0 at end of stream, nil when it would block; throws on errors.
    func discardInput() throws -> Int? {
        try Socket.read(descriptor, into: inbound.prepareForWrite(minimum: 4096))
    }

    /// Gives a grown receive buffer back once reads are small again and nothing is buffered,
    /// so an idle keep-alive connection does not keep the largest buffer it ever needed.
    mutating func releaseCapacityIfIdle() {
        if readSize.isAtMinimum { inbound.releaseCapacity(above: 4 * readSize.minimum) }
    }

    /// At the end of a message exchange with nothing more buffered: reads start small again and
    /// a grown buffer is given back at once.
    ///
    /// Why here as well as after reads: the read size shrinks only after short reads, so a
    /// client that uploaded a large body and then sent nothing kept a 64–128 KiB buffer for
    /// the whole idle time-out (10,000 such connections: about a gigabyte). The cost is that
    /// the next large body's reads grow again from the minimum, four doublings to 64 KiB.
    mutating func settleBetweenMessages() {
        guard inbound.readableCount == 0 else { return }
        readSize.reset()
        inbound.releaseCapacity(above: 4 * readSize.minimum)
    }

    /// Sends what the socket takes, calling `didSend` after each successful send; throws the
    /// socket's error with the unsent bytes still queued.
    @inline(__always)
    mutating func flush(didSend: () -> Void) throws {
        try outbound.flush(to: descriptor, didSend: didSend)
    }

    /// Deregisters and closes the socket and cancels the deadline timer (loop thread only).
    /// Queued output stays for the owner to inspect or drop.
    mutating func close(on loop: EventLoop) {
        deadlineTimer.cancel(on: loop)
        guard isRegistered else { return }
        loop.deregister(fileDescriptor: descriptor)
        Glibc.close(descriptor)
        descriptor = -1
        interest = nil
    }
}
