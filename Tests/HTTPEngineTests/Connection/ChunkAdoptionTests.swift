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
        var descriptors: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0)
        defer { descriptors.forEach { close($0) } }
        setSocketBufferSizes(descriptors[0], 1 << 20)
        setSocketBufferSizes(descriptors[1], 1 << 20)
        let body = [UInt8](repeating: 0x62, count: 8 * 1024)
        let original = body
        var outbound = OutboundBuffer()
        ResponseEncoder.appendChunk(body[...], to: &outbound)
        // The chunk's framing went before and after it, never into the caller's storage.
        #expect(body == original)
        try outbound.flush(to: descriptors[0]) {}
        #expect(outbound.isEmpty)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let expected = Array("2000\r\n".utf8) + body + Array("\r\n".utf8)
        while received.count < expected.count {
            let count = read(descriptors[1], &buffer, buffer.count)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        #expect(received == expected)
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
