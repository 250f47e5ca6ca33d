import CLinuxSystem
import Glibc
import Synchronization

/// An HTTP/1.1 server: one listening socket per event loop (`SO_REUSEPORT`), each
/// loop serving the connections it accepts, handlers running on that loop.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 0), handler: MyHandler())
/// let address = try await server.start()
/// // ...
/// await server.shutdown(deadline: .now + .seconds(5))
/// ```
/// or `try await server.run()` (returns after a graceful shutdown, which task
/// cancellation triggers).
public final class HTTPServer: Sendable {
    enum Phase {
        case idle
        case starting
        case running
        case shuttingDown
        case stopped
    }

    struct Lifecycle {
        var phase = Phase.idle
        var group: EventLoopGroup?
        var contexts: [ServerLoopContext] = []
        var localAddress: SocketAddress?
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    public let configuration: HTTPServerConfiguration
    let handler: any HTTPHandler
    let providedGroup: EventLoopGroup?
    let lifecycle = Locked(Lifecycle())
    let openConnections = Atomic<Int>(0)
    /// Each client's open connections, when `configuration.peerConnectionLimit` is set.
    let peerConnections: PeerConnectionCounts?
    let shuttingDownFlag = Atomic<Bool>(false)

    /// Creates a server; it runs its own loops unless `eventLoopGroup` is given
    /// (a provided group is not shut down with the server).
    public init(configuration: HTTPServerConfiguration, handler: some HTTPHandler, eventLoopGroup: EventLoopGroup? = nil) {
        self.configuration = configuration
        self.handler = handler
        self.providedGroup = eventLoopGroup
        peerConnections = configuration.peerConnectionLimit.map(PeerConnectionCounts.init(limit:))
    }

    /// The bound address once started (with the real port when 0 was configured).
    public var localAddress: SocketAddress? {
        lifecycle.withLock { $0.localAddress }
    }

    /// The loops serving connections, once started.
    public var eventLoopGroup: EventLoopGroup? {
        lifecycle.withLock { $0.group }
    }

    /// Number of currently open client connections.
    public var connectionCount: Int {
        openConnections.load(ordering: .relaxed)
    }

    /// Binds, starts accepting on every loop and returns the bound address. Throws
    /// `HTTPEngineError`: `.alreadyStarted`, `.invalidAddress`, or `.systemCallFailed` (e.g. the
    /// port is taken; `underlying` is the `SystemError`).
    public func start() async throws -> SocketAddress {
        try lifecycle.withLock { state in
            guard state.phase == .idle else { throw HTTPEngineError.alreadyStarted }
            state.phase = .starting
        }
        do {
            let address = try await bindAndListen()
            return address
        } catch {
            lifecycle.withLock { $0.phase = .stopped }
            throw (error as? SystemError).map(HTTPEngineError.systemCallFailed) ?? error
        }
    }

    private func bindAndListen() async throws -> SocketAddress {
        cls_ignore_sigpipe()
        let host = configuration.host == "localhost" ? "127.0.0.1" : configuration.host
        guard let port = UInt16(exactly: configuration.port), let requested = SocketAddress(host: host, port: port) else {
            throw HTTPEngineError.invalidAddress("\(configuration.host):\(configuration.port)")
        }
        let group = try providedGroup ?? EventLoopGroup(loopCount: configuration.loopCount)
        var listeners: [Int32] = []
        do {
            let reusePort = group.loops.count > 1
            // A port another server listens on must fail here, not be shared with it (with port
            // 0 the kernel picks one nobody holds). The window left, between this check and the
            // bind below, is microseconds, where it was the whole life of the other server.
            if reusePort, port != 0 { try Socket.checkIsFree(requested) }
            let first = try Socket.makeListener(address: requested, backlog: configuration.backlog, reusePort: reusePort)
            listeners.append(first)
            guard let bound = Socket.localAddress(first) else { throw SystemError("getsockname") }
            for _ in 1..<group.loops.count {
                listeners.append(try Socket.makeListener(address: bound, backlog: configuration.backlog, reusePort: true))
            }
            let contexts = zip(group.loops, listeners).map { loop, listener in
                ServerLoopContext(loop: loop, server: self, listenerDescriptor: listener, listenAddress: bound)
            }
            for context in contexts {
                try await context.loop.perform { try context.startAccepting() }
            }
            lifecycle.withLock { state in
                state.group = group
                state.contexts = contexts
                state.localAddress = bound
                state.phase = .running
            }
            return bound
        } catch {
            for listener in listeners { close(listener) }
            if providedGroup == nil { await group.shutdown() }
            throw error
        }
    }

    /// Starts if needed, then waits until the server has shut down: the shape of a
    /// swift-service-lifecycle service.
    ///
    /// Two ways to stop it, as that library separates them: `beginGracefulShutdown()` (e.g. on
    /// SIGTERM) stops accepting and lets requests in flight finish within
    /// `shutdownGracePeriod`; cancelling the calling task means *stop now*: connections close at
    /// once and in-flight handlers are cancelled. (Cancellation used to start the graceful drain,
    /// which left a caller that cancelled to get out waiting for the whole grace period.)
    public func run() async throws {
        if lifecycle.withLock({ $0.phase == .idle }) {
            _ = try await start()
        }
        await withTaskCancellationHandler {
            await waitUntilStopped()
        } onCancel: {
            Task { await self.shutdown(deadline: .now) }
        }
    }

    /// Starts a graceful shutdown bounded by `shutdownGracePeriod` and returns at once; `run()`
    /// and `waitUntilStopped()` return when it is over. Safe to call more than once.
    public func beginGracefulShutdown() {
        Task { await self.shutdown(deadline: .now + self.configuration.shutdownGracePeriod) }
    }

    /// Suspends until a shutdown has completed.
    public func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            let isStopped = lifecycle.withLock { state -> Bool in
                if state.phase != .stopped { state.stopWaiters.append(continuation) }
                return state.phase == .stopped
            }
            if isStopped { continuation.resume() }
        }
    }
}
