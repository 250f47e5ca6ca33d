import Synchronization

/// An HTTP/1.1 client for upstream servers, with keep-alive pools per upstream
/// and per event loop.
///
/// A request runs entirely on one loop of the group: the caller's own loop when it
/// runs on one (a handler of an `HTTPServer` sharing the group), else the given or
/// next loop. Its socket is registered with that loop's epoll, so a proxy handler
/// never hops threads, and each loop's pools need no lock.
public final class HTTPClient: Sendable {
    public let eventLoopGroup: EventLoopGroup
    public let configuration: HTTPClientConfiguration
    /// Each loop's pools, at the loop's `index` (an array, not a dictionary: looking a loop up
    /// by identity hashed it once per request).
    let loopPools: [LoopPools]
    /// Set by the first `shutdown()`: from then on `execute` fails at once.
    let isShutDown = Atomic<Bool>(false)

    /// Creates a client whose connections live on the loops of `eventLoopGroup`
    /// (share the server's group to keep proxied requests on their loop).
    public init(eventLoopGroup: EventLoopGroup, configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.eventLoopGroup = eventLoopGroup
        self.configuration = configuration
        loopPools = eventLoopGroup.loops.map { LoopPools(loop: $0, configuration: configuration) }
    }

    /// The pools of `loop`, nil when it is not one of the group's.
    func pools(of loop: EventLoop) -> LoopPools? {
        guard loopPools.indices.contains(loop.index), loopPools[loop.index].loop === loop else { return nil }
        return loopPools[loop.index]
    }

    /// Sends `request` and returns when the response head has arrived; read the body
    /// from the response (reading it is what frees the connection for reuse).
    ///
    /// `eventLoop` picks the loop (one of the group's); by default the caller's loop,
    /// else round-robin. A pooled connection found closed before any response byte is
    /// replaced once, transparently, for idempotent requests with in-memory bodies.
    /// Throws `HTTPEngineError` (code `.shutDown` at once after `shutdown()` was called)
    /// or `CancellationError`.
    public func execute(_ request: HTTPClientRequest, on eventLoop: EventLoop? = nil) async throws -> HTTPClientResponse {
        guard !isShutDown.load(ordering: .acquiring) else { throw HTTPEngineError.shutDown }
        try RequestEncoder.validate(request)
        let framing = RequestEncoder.framing(of: request)
        // The given loop if it is the group's, else the caller's, else the next one.
        let pools = eventLoop.flatMap(self.pools(of:))
            ?? self.pools(of: eventLoopGroup.currentLoop ?? eventLoopGroup.next())!
        let loop = pools.loop
        // The request's own limit as an instant the pool and the connection check with
        // timers they keep anyway. (A task group racing the exchange against a sleeping
        // child was the rejected alternative: 19 heap allocations per request.)
        let deadline = request.timeout.map { EventLoop.monotonicNanoseconds() &+ $0.nanoseconds } ?? 0
        func exchange() async throws -> HTTPClientResponse {
            // An exited loop runs preferring tasks elsewhere; its pools are loop-only state.
            guard loop.inEventLoop else { throw HTTPEngineError.shutDown }
            let pool = try pools.admitRequest(to: Upstream(host: request.host, port: request.port))
            defer { pools.requestFinished(on: pool) }
            return try await Self.execute(request, framing: framing, pool: pool, deadline: deadline)
        }
        // A proxy handler's task already prefers the loop (the server's handler task does).
        if loop.isCurrentTaskPreferring { return try await exchange() }
        // The preference keeps every step on the loop thread, which owns the pools and
        // connections; a plain task would need a hop per socket operation.
        return try await withTaskExecutorPreference(loop) { try await exchange() }
    }

    /// Gets a connection and runs the exchange on it; past `deadline` (0 for none) the
    /// pool wait, the connect or the wait for the head fails with `.requestTimeout`, and a
    /// connection mid-exchange is closed, so a late answer never lands on a reused one.
    private static func execute(
        _ request: HTTPClientRequest,
        framing: HTTPBodyFraming,
        pool: ConnectionPool<ClientConnection>,
        deadline: UInt64
    ) async throws -> HTTPClientResponse {
        var isRetry = false
        while true {
            let connection = try await pool.acquire(isFresh: isRetry, deadline: deadline)
            // Back on the loop after the wait; the connection is leased to this request only.
            do {
                return try await connection.execute(request, framing: framing, deadline: deadline)
            } catch let error as HTTPEngineError
                where error.code == .connectionClosed && !isRetry && connection.failedAsStale && request.isReplayable {
                isRetry = true
            }
        }
    }

    /// Shuts the client down, for a service's graceful stop: new requests fail at once
    /// with `.shutDown`, requests already running finish (response bodies included),
    /// then every connection is closed and this returns.
    ///
    /// With `gracePeriod`, requests still running when it ends fail with `.shutDown`
    /// and their connections close; without, it waits for them however long they take.
    /// Cancelling the calling task ends the grace period at once. Safe to call again: a
    /// later call returns when the first one's shutdown is over (its own grace period is ignored).
    public func shutdown(gracePeriod: Duration? = nil) async {
        isShutDown.store(true, ordering: .releasing)
        // Every loop starts draining (and its grace period running) before any is awaited.
        for pools in loopPools {
            await withTaskExecutorPreference(pools.loop) {
                // An exited loop already closed its connections (`loopDidExit`).
                guard pools.loop.inEventLoop else { return }
                pools.beginShutdown(gracePeriod: gracePeriod)
            }
        }
        await withTaskCancellationHandler {
            for pools in loopPools {
                await withTaskExecutorPreference(pools.loop) {
                    guard pools.loop.inEventLoop else { return }
                    await pools.waitUntilClosed()
                }
            }
        } onCancel: {
            // A service being cancelled (its grace period over) wants out now: end the grace period.
            for pools in loopPools {
                _ = pools.loop.execute { pools.closeAll() }
            }
        }
    }
}
