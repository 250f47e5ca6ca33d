import Glibc
import Testing
@testable import HTTPEngine

/// The send queue writes several chunks with one `sendmsg`, and the bytes arrive whole and in order.
@Suite struct GatheredWriteTests {
    @Test func severalQueuedChunksGoOutInOneWriteInOrder() throws {
        // Room for everything at once, so a single write can take all of it.
        let sockets = try LocalSocketPair(bufferSize: 1 << 20)
        var outbound = OutboundBuffer()
        let pieces = (0..<3).map { index in [UInt8](repeating: UInt8(index + 1), count: OutboundBuffer.chunkCapacity) }
        for piece in pieces { outbound.append(contentsOf: piece) }
        outbound.append { $0.append(contentsOf: [9, 9, 9]) }
        var writes = 0
        try outbound.flush(to: sockets.sender) { writes += 1 }
        #expect(writes == 1)
        #expect(outbound.isEmpty)
        #expect(sockets.receive(until: 3 * OutboundBuffer.chunkCapacity + 3) == pieces.flatMap { $0 } + [9, 9, 9])
    }

    @Test func aPartialGatheredWriteResumesInsideTheRightChunk() throws {
        let sockets = try LocalSocketPair(bufferSize: 4096, isSenderNonBlocking: true)
        var outbound = OutboundBuffer()
        var expected: [UInt8] = []
        for index in 0..<5 {
            let piece = (0..<OutboundBuffer.chunkCapacity).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            expected += piece
            outbound.append(contentsOf: piece)
        }
        var received: [UInt8] = []
        // Small socket buffers make every write partial; reading in between lets the queue drain.
        while !outbound.isEmpty {
            try outbound.flush(to: sockets.sender) {}
            received += sockets.receiveOnce()
        }
        #expect(sockets.receive(until: expected.count, after: received) == expected)
    }

    /// More queued chunks than one `sendmsg` may carry (`IOV_MAX`, 1024 on Linux): a write
    /// gathers at most `maxChunksPerSend`, so none is refused by the kernel, and the bytes arrive
    /// whole and in order. (Gathering every queued chunk, the first write failed: EMSGSIZE.)
    @Test func moreQueuedChunksThanOneSystemCallTakesGoOutInBoundedWrites() throws {
        let sockets = try LocalSocketPair(bufferSize: 1 << 16, isSenderNonBlocking: true)
        var outbound = OutboundBuffer()
        let chunkCount = sysconf(Int32(_SC_IOV_MAX)) + 100
        var expected: [UInt8] = []
        // Pieces of the adoption minimum each become a chunk of their own.
        for index in 0..<chunkCount {
            let piece = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: OutboundBuffer.adoptionMinimum)
            expected += piece
            outbound.append(contentsOf: piece)
        }
        var received: [UInt8] = []
        var writes = 0
        while !outbound.isEmpty {
            try outbound.flush(to: sockets.sender) { writes += 1 }
            received += sockets.receiveOnce()
        }
        #expect(sockets.receive(until: expected.count, after: received) == expected)
        #expect(writes >= chunkCount / OutboundBuffer.maxChunksPerSend)
    }
}
