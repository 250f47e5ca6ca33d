import Glibc
import Testing
@testable import HTTPEngine

/// A body chunk passed to the send queue is queued as it is, sharing its array's storage, so a
/// proxied chunk is copied once on its way through (out of the receive buffer), not twice.
@Suite struct ChunkAdoptionTests {
    @Test func aBodyChunkIsQueuedWithoutACopy() {
        let body = [UInt8](repeating: 0x62, count: 16 * 1024)
        var outbound = OutboundBuffer()
        outbound.append(contentsOf: body[...])
        #expect(outbound.oldestChunkAddressForTesting == body.withUnsafeBytes { $0.baseAddress })
        #expect(outbound.unsentCount == body.count)
    }

    @Test func framingAppendedAfterAnAdoptedChunkGoesIntoANewChunkAndTheBytesArriveInOrder() throws {
        let sockets = try LocalSocketPair(bufferSize: 1 << 20)
        let body = [UInt8](repeating: 0x62, count: 8 * 1024)
        let original = body
        var outbound = OutboundBuffer()
        ResponseEncoder.appendChunk(body[...], to: &outbound)
        // The chunk's framing went before and after it, never into the caller's storage.
        #expect(body == original)
        try outbound.flush(to: sockets.sender) {}
        #expect(outbound.isEmpty)
        let expected = Array("2000\r\n".utf8) + body + Array("\r\n".utf8)
        #expect(sockets.receive(until: expected.count) == expected)
    }

    @Test func partOfALargerArrayIsCopiedNotShared() {
        // A slice that does not span its array cannot be queued as that array: the queue
        // would send (and keep alive) the bytes around it.
        let storage = [UInt8](repeating: 0x62, count: 32 * 1024)
        var outbound = OutboundBuffer()
        outbound.append(contentsOf: storage[1024..<(9 * 1024)])
        #expect(outbound.unsentCount == 8 * 1024)
        #expect(outbound.oldestChunkAddressForTesting != storage.withUnsafeBytes { $0.baseAddress! + 1024 })
    }
}
