import Synchronization

/// Requests to one server over pipelined connections, `connectionsPerLoop` at most per event
/// loop (one by default): the connection core that a protocol client (the Redis client) is built
/// on, as a codec plus settings.
///
/// A request runs on the caller's loop when the caller runs on one of the group's loops (a
/// handler of an `HTTPServer` sharing the group), else on the given or next loop. Each loop has
/// its own `ConnectionPool`, touched only on that loop, so the hot path takes no lock: concurrent
/// callers on a loop append to one connection's buffer, written once per loop turn, and replies
/// are matched in order. The pool opens the connections lazily, sends the setup requests first
/// on each, replaces one that breaks, and backs off after failed connects (requests fail with
/// `.backingOff` during the delay).
package final class PipelinedClient<Codec: PipelineCodec>: Sendable {
    package let eventLoopGroup: EventLoopGroup
    package let configuration: PipelineConfiguration
    /// Each loop's pool, by loop; touched on that loop only.
    let pools: [ObjectIdentifier: ConnectionPool<PipelinedConnection<Codec>>]
    private let isShutDown = Atomic<Bool>(false)

    /// A client of the server at `host`:`port` (a name, IPv4 or IPv6 address); connects lazily.
    package convenience init(host: String, port: UInt16, eventLoopGroup: EventLoopGroup, configuration: PipelineConfiguration, setup: PipelineSetup<Codec>) {
        self.init(host: host, port: port, eventLoopGroup: eventLoopGroup, configuration: configuration, setup: setup, names: HTTPClientConfiguration())
    }

    /// A client whose host lookups follow `names` (its `lookup` and cache durations; tests
    /// replace the lookup).
    init(host: String, port: UInt16, eventLoopGroup: EventLoopGroup, configuration: PipelineConfiguration, setup: PipelineSetup<Codec>, names: HTTPClientConfiguration) {
        self.eventLoopGroup = eventLoopGroup
        self.configuration = configuration
        let server = Upstream(host: host, port: port)
        let settings = configuration.poolSettings
        var pools: [ObjectIdentifier: ConnectionPool<PipelinedConnection<Codec>>] = [:]
        for loop in eventLoopGroup.loops {
            pools[ObjectIdentifier(loop)] = ConnectionPool(
                upstream: server,
                loop: loop,
                settings: settings,
                configuration: PipelineLoopState(configuration: configuration, setup: setup),
                resolver: HostResolver(loop: loop, configuration: names)
            )
        }
        self.pools = pools
    }

    /// Sends `request` and returns its reply. Throws `HTTPEngineError`, or `CancellationError`
    /// when the calling task is cancelled (the reply, when it comes, is dropped).
    package func send(_ request: Codec.Request, on eventLoop: EventLoop? = nil) async throws -> Codec.Reply {
        guard !isShutDown.load(ordering: .acquiring) else { throw HTTPEngineError.shutDown }
        let loop = eventLoop.flatMap { pools[ObjectIdentifier($0)] == nil ? nil : $0 }
            ?? eventLoopGroup.currentLoop
            ?? eventLoopGroup.next()
        let pool = pools[ObjectIdentifier(loop)]!
        // The preference keeps the send, the wait and the resumption on the loop that owns the
        // connection; a caller already there pays no hop.
        return try await withTaskExecutorPreference(loop) {
            // An exited loop runs preferring tasks elsewhere; its pool is loop-only state.
            guard loop.inEventLoop, !pool.isDraining else { throw HTTPEngineError.shutDown }
            let connection = try await pool.acquire()
            // Back on the loop; a connection handed over after its connect may have closed since.
            return try await connection.send(request)
        }
    }

    /// What `loop`'s connections have done so far (reconnects included); for tests and statistics.
    package func statistics(on loop: EventLoop) async -> PipelineStatistics {
        guard let pool = pools[ObjectIdentifier(loop)] else { return PipelineStatistics() }
        return await withTaskExecutorPreference(loop) {
            loop.inEventLoop ? pool.pipelineStatistics() : PipelineStatistics()
        }
    }

    /// Stops taking requests (they fail with `.shutDown`); requests already sent get their
    /// replies, or fail at their reply time-out, and every connection closes. Cancelling the
    /// caller fails what is still waiting at once.
    package func shutdown() async {
        isShutDown.store(true, ordering: .releasing)
        await withTaskCancellationHandler {
            for pool in pools.values {
                await withTaskExecutorPreference(pool.loop) {
                    guard pool.loop.inEventLoop else { return }
                    await pool.drain()
                }
            }
        } onCancel: {
            for pool in pools.values {
                _ = pool.loop.execute { pool.closeAll() }
            }
        }
    }
}
