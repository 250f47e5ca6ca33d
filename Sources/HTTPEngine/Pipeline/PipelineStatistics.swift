/// What one loop's pipeline has done: how many connections, writes and replies.
///
/// Writes against replies is the batching a reader can check: 100 requests queued in one loop
/// turn should cost one write, not 100.
package struct PipelineStatistics: Sendable, Equatable {
    /// Connections started, the first one included.
    package var connectionsOpened = 0
    /// Successful socket writes.
    package var writes = 0
    /// Replies received.
    package var replies = 0

    package init() {}
}
