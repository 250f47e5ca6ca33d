import Glibc
import Testing
@testable import HTTPEngine

/// The send queue writes several chunks with one `sendmsg`, and the bytes arrive whole and in order.
@Suite struct GatheredWriteTests {
    @Test func severalQueuedChunksGoOutInOneWriteInOrder() throws {
        var descriptors: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0)
        defer { descriptors.forEach { close($0) } }
        // Room for everything at once, so a single write can take all of it.
        setSocketBufferSizes(descriptors[0], 1 << 20)
        setSocketBufferSizes(descriptors[1], 1 << 20)
        var outbound = OutboundBuffer()
        let pieces = (0..<3).map { index in [UInt8](repeating: UInt8(index + 1), count: OutboundBuffer.chunkCapacity) }
        for piece in pieces { outbound.append(contentsOf: piece) }
        outbound.append { $0.append(contentsOf: [9, 9, 9]) }
        var writes = 0
        try outbound.flush(to: descriptors[0]) { writes += 1 }
        #expect(writes == 1)
        #expect(outbound.isEmpty)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while received.count < 3 * OutboundBuffer.chunkCapacity + 3 {
            let count = read(descriptors[1], &buffer, buffer.count)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        #expect(received == pieces.flatMap { $0 } + [9, 9, 9])
    }

    @Test func aPartialGatheredWriteResumesInsideTheRightChunk() throws {
        var descriptors: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0)
        defer { descriptors.forEach { close($0) } }
        _ = fcntl(descriptors[0], F_SETFL, fcntl(descriptors[0], F_GETFL) | O_NONBLOCK)
        setSocketBufferSizes(descriptors[0], 4096)
        var outbound = OutboundBuffer()
        var expected: [UInt8] = []
        for index in 0..<5 {
            let piece = (0..<OutboundBuffer.chunkCapacity).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            expected += piece
            outbound.append(contentsOf: piece)
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        // Small socket buffers make every write partial; reading in between lets the queue drain.
        while !outbound.isEmpty {
            try outbound.flush(to: descriptors[0]) {}
            let count = read(descriptors[1], &buffer, buffer.count)
            if count > 0 { received += buffer[..<count] }
        }
        while received.count < expected.count {
            let count = read(descriptors[1], &buffer, buffer.count)
            guard count > 0 else { break }
            received += buffer[..<count]
        }
        #expect(received == expected)
    }
}
