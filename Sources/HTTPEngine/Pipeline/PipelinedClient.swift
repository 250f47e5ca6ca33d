import Synchronization

/// Requests to one server over one pipelined connection per event loop: the connection core
/// that a protocol client (the Redis client) is built on, as a codec plus settings.
///
/// A request runs on the caller's loop when the caller runs on one of the group's loops (a
/// handler of an `HTTPServer` sharing the group), else on the given or next loop. Each loop's
/// connection is touched only on that loop, so the hot path takes no lock: concurrent callers
/// on a loop append to one buffer, written once per loop turn, and replies are matched in order.
package final class PipelinedClient<Codec: PipelineCodec>: Sendable {
    package let eventLoopGroup: EventLoopGroup
    package let configuration: PipelineConfiguration
    private let pipelines: [ObjectIdentifier: LoopPipeline<Codec>]
    private let isShutDown = Atomic<Bool>(false)

    /// A client of the server at `host`:`port` (a name, IPv4 or IPv6 address); connects lazily.
    package init(host: String, port: UInt16, eventLoopGroup: EventLoopGroup, configuration: PipelineConfiguration, setup: PipelineSetup<Codec>) {
        self.eventLoopGroup = eventLoopGroup
        self.configuration = configuration
        var pipelines: [ObjectIdentifier: LoopPipeline<Codec>] = [:]
        for loop in eventLoopGroup.loops {
            pipelines[ObjectIdentifier(loop)] = LoopPipeline(
                loop: loop, server: Upstream(host: host, port: port), configuration: configuration, setup: setup
            )
        }
        self.pipelines = pipelines
    }

    /// Sends `request` and returns its reply. Throws `HTTPEngineError`, or `CancellationError`
    /// when the calling task is cancelled (the reply, when it comes, is dropped).
    package func send(_ request: Codec.Request, on eventLoop: EventLoop? = nil) async throws -> Codec.Reply {
        guard !isShutDown.load(ordering: .acquiring) else { throw HTTPEngineError.shutDown }
        let loop = eventLoop.flatMap { pipelines[ObjectIdentifier($0)] == nil ? nil : $0 }
            ?? eventLoopGroup.currentLoop
            ?? eventLoopGroup.next()
        let pipeline = pipelines[ObjectIdentifier(loop)]!
        // The preference keeps the send, the wait and the resumption on the loop that owns the
        // connection; a caller already there pays no hop.
        return try await withTaskExecutorPreference(loop) {
            // An exited loop runs preferring tasks elsewhere; its connection is loop-only state.
            guard loop.inEventLoop else { throw HTTPEngineError.shutDown }
            return try await pipeline.send(request)
        }
    }

    /// What `loop`'s pipeline has done so far (reconnects included); for tests and statistics.
    package func statistics(on loop: EventLoop) async -> PipelineStatistics {
        guard let pipeline = pipelines[ObjectIdentifier(loop)] else { return PipelineStatistics() }
        return await withTaskExecutorPreference(loop) {
            loop.inEventLoop ? pipeline.statistics : PipelineStatistics()
        }
    }

    /// Stops taking requests (they fail with `.shutDown`); requests already sent get their
    /// replies, or fail at their reply time-out, and every connection closes. Cancelling the
    /// caller fails what is still waiting at once.
    package func shutdown() async {
        isShutDown.store(true, ordering: .releasing)
        await withTaskCancellationHandler {
            for pipeline in pipelines.values {
                await withTaskExecutorPreference(pipeline.loop) {
                    guard pipeline.loop.inEventLoop else { return }
                    await pipeline.shutdown()
                }
            }
        } onCancel: {
            for pipeline in pipelines.values {
                _ = pipeline.loop.execute { pipeline.closeNow() }
            }
        }
    }
}
