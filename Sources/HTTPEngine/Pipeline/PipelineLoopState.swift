/// What the pipelined connections of one loop share: the client's time-outs, the protocol's setup,
/// and the counts of the connections that have closed.
///
/// A class, held by the loop's `ConnectionPool` as its connections' configuration, so a closing
/// connection can add its counts to the loop's totals. `@unchecked Sendable`: the counts are
/// touched only on the pool's loop.
final class PipelineLoopState<Codec: PipelineCodec>: @unchecked Sendable {
    let configuration: PipelineConfiguration
    let setup: PipelineSetup<Codec>
    /// Writes and replies of the connections that have closed (`connectionsOpened` unused).
    var closedStatistics = PipelineStatistics()

    init(configuration: PipelineConfiguration, setup: PipelineSetup<Codec>) {
        self.configuration = configuration
        self.setup = setup
    }
}

extension PipelinedConnection {
    typealias Configuration = PipelineLoopState<Codec>
}

extension ConnectionPool {
    /// What a pipelined pool has done: connects started, and the writes and replies of its
    /// connections, open or closed.
    func pipelineStatistics<Codec>() -> PipelineStatistics where Connection == PipelinedConnection<Codec> {
        var totals = configuration.closedStatistics
        totals.connectionsOpened = connectsStarted
        for connection in connections {
            totals.writes += connection.writeCount
            totals.replies += connection.replyCount
        }
        return totals
    }
}
