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
    let loopPools: [ObjectIdentifier: LoopPools]

    /// Creates a client whose connections live on the loops of `eventLoopGroup`
    /// (share the server's group to keep proxied requests on their loop).
    public init(eventLoopGroup: EventLoopGroup, configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.eventLoopGroup = eventLoopGroup
        self.configuration = configuration
        var loopPools: [ObjectIdentifier: LoopPools] = [:]
        for loop in eventLoopGroup.loops {
            loopPools[ObjectIdentifier(loop)] = LoopPools(loop: loop, configuration: configuration)
        }
        self.loopPools = loopPools
    }

    /// Sends `request` and returns when the response head has arrived; read the body
    /// from the response (reading it is what frees the connection for reuse).
    ///
    /// `eventLoop` picks the loop (one of the group's); by default the caller's loop,
    /// else round-robin. A pooled connection found closed before any response byte is
    /// replaced once, transparently, for idempotent requests with in-memory bodies.
    /// Throws `HTTPClientError` (or `CancellationError`).
    public func execute(_ request: HTTPClientRequest, on eventLoop: EventLoop? = nil) async throws -> HTTPClientResponse {
        let framing = RequestEncoder.framing(of: request)
        var head: [UInt8] = []
        try RequestEncoder.appendHead(of: request, framing: framing, to: &head)
        let loop = eventLoop.flatMap { loopPools[ObjectIdentifier($0)] == nil ? nil : $0 }
            ?? eventLoopGroup.currentLoop
            ?? eventLoopGroup.next()
        let pools = loopPools[ObjectIdentifier(loop)]!
        // The preference keeps every step below on the loop thread, which owns the
        // pools and connections; a plain task would need a hop per socket operation.
        return try await withTaskExecutorPreference(loop) {
            // An exited loop runs preferring tasks elsewhere; its pools are loop-only state.
            guard loop.inEventLoop else { throw HTTPClientError.shutDown }
            return try await Self.execute(request, head: head, framing: framing, pools: pools)
        }
    }

    private static func execute(
        _ request: HTTPClientRequest,
        head: [UInt8],
        framing: HTTPBodyFraming,
        pools: LoopPools
    ) async throws -> HTTPClientResponse {
        let pool = try pools.pool(for: Upstream(host: request.host, port: request.port))
        var isRetry = false
        while true {
            let connection = try await pool.acquire(isFresh: isRetry)
            // Back on the loop after the wait; the connection is leased to this request only.
            do {
                return try await connection.execute(request, head: head, framing: framing)
            } catch HTTPClientError.upstreamClosedEarly where !isRetry && connection.failedAsStale && request.isReplayable {
                isRetry = true
            }
        }
    }

    /// Closes idle connections and refuses new requests; exchanges in progress finish
    /// and their connections close instead of returning to the pool.
    public func shutdown() async {
        for pools in loopPools.values {
            await withTaskExecutorPreference(pools.loop) {
                // An exited loop already closed its connections (`loopDidExit`).
                guard pools.loop.inEventLoop else { return }
                pools.shutdown()
            }
        }
    }
}
