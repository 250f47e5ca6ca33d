@testable import HTTPEngine

/// What a server connection buffers on its output side, read on its loop.
struct ServerOutputSnapshot: Sendable {
    var unsentCount: Int
    var peakUnsentCount: Int
    var peakRetainedCount: Int
    var inboundCount: Int
    var receivedByteCount: Int
    var isInputPausedForOutput: Bool
    var hasPeerClosedInput: Bool
}

extension HTTPServer {
    /// The open connections of every loop (test access to the engine's own accounting).
    func openConnectionsForTesting() async throws -> [ServerConnection] {
        let contexts = lifecycle.withLock { $0.contexts }
        var connections: [ServerConnection] = []
        for context in contexts {
            connections += try await context.loop.perform { Array(context.connections.values) }
        }
        return connections
    }
}

extension ServerConnection {
    /// The receive buffer's allocated size, read on the connection's loop.
    func inboundCapacityForTesting() async throws -> Int {
        try await loop.perform { core.inbound.capacity }
    }

    func outputSnapshot() async throws -> ServerOutputSnapshot {
        try await loop.perform {
            ServerOutputSnapshot(
                unsentCount: core.outbound.unsentCount,
                peakUnsentCount: core.outbound.peakUnsentCount,
                peakRetainedCount: core.outbound.peakRetainedCount,
                inboundCount: core.inbound.readableCount,
                receivedByteCount: receivedByteCount,
                isInputPausedForOutput: isInputPausedForOutput,
                hasPeerClosedInput: hasPeerClosedInput
            )
        }
    }

    /// Shrinks the server side's kernel buffers, so writes come back partial and the engine's buffer must hold the rest.
    func shrinkSocketBuffersForTesting(to size: Int32) async throws {
        try await loop.perform { setSocketBufferSizes(core.descriptor, size) }
    }

    /// Shrinks only the server side's send buffer: safe while the client is sending. Shrinking
    /// the receive buffer below the window already advertised makes the kernel drop arriving
    /// segments (`TcpExtRcvPruned`), and the client's retransmissions back off for minutes.
    func shrinkSendBufferForTesting(to size: Int32) async throws {
        try await loop.perform { setSendBufferSize(core.descriptor, size) }
    }
}

extension HTTPClient {
    /// The pooled idle connections of every loop.
    func idleConnectionsForTesting() async throws -> [ClientConnection] {
        var connections: [ClientConnection] = []
        for pools in loopPools {
            connections += try await pools.loop.perform { pools.pools.values.flatMap(\.idle) }
        }
        return connections
    }
}

extension ClientConnection {
    /// The receive buffer's allocated size, read on the connection's loop.
    func inboundCapacityForTesting() async throws -> Int {
        try await loop.perform { core.inbound.capacity }
    }

    /// The output buffer's peaks: unsent bytes, and bytes held (sent or not).
    func outputPeaks() async throws -> (unsent: Int, retained: Int) {
        try await loop.perform { (core.outbound.peakUnsentCount, core.outbound.peakRetainedCount) }
    }

    func shrinkSocketBuffersForTesting(to size: Int32) async throws {
        try await loop.perform { setSocketBufferSizes(core.descriptor, size) }
    }
}
