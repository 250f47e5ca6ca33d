import Synchronization
import Testing
import TestSupport
@testable import HTTPEngine

@Suite("Request body memory bound")
struct RequestBodyMemoryBoundTests {
    /// How the upload frames its body.
    enum Framing: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case contentLength
        case chunked
        var testDescription: String { rawValue }
    }

    static let uploadSize = 256 * 1024 * 1024
    static let blockSize = 1024 * 1024
    /// Where the handler stops reading until the test has looked at what the server buffers.
    static let pauseAfter = 16 * 1024 * 1024
    /// The documented high-water mark plus one socket read's worth.
    static let bound = BodyChunkBuffer.highWaterMark + ServerConnection.readChunkSize

    @Test(arguments: Framing.allCases)
    func buffersABoundedAmountWhileTheHandlerPausesAndDeliversEveryByteAfterwards(framing: Framing) async throws {
        let channel = Locked<BodyChunkBuffer?>(nil)
        let isPaused = Atomic<Bool>(false)
        let resume = TestSignal()
        let handler = HTTPClosureHandler { request in
            channel.withLock { $0 = request.body.channel }
            var checksum = StreamChecksum()
            var hasPaused = false
            for try await chunk in request.body {
                checksum.update(chunk)
                if !hasPaused, checksum.byteCount >= UInt64(Self.pauseAfter) {
                    hasPaused = true
                    isPaused.store(true, ordering: .releasing)
                    await resume.wait()
                }
            }
            return HTTPResponse(body: .init(string: "\(checksum.byteCount) \(checksum.sum) \(checksum.weightedSum)"))
        }

        let block = Self.pseudoRandomBlock()
        let blockChecksum = { var checksum = StreamChecksum(); checksum.update(block); return checksum }()
        let expected = (0..<Self.uploadSize / Self.blockSize).reduce(StreamChecksum()) { sum, _ in sum.appending(blockChecksum) }
        let sentBodyBytes = Locked(0)

        // The limit counts wire bytes, so a chunked upload needs room for its framing too.
        try await withTestServer(configure: { $0.maxRequestBodySize = Self.uploadSize + 64 * 1024 }, handler: handler) { _, port in
            let client = try RawClient(port: port)
            async let response = blocking {
                // Generated on the fly: the same block is sent again and again, never the whole body.
                switch framing {
                case .contentLength:
                    client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(Self.uploadSize)\r\n\r\n")
                case .chunked:
                    client.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
                }
                let chunkHead = Array((String(Self.blockSize, radix: 16) + "\r\n").utf8)
                for _ in 0..<Self.uploadSize / Self.blockSize {
                    if framing == .chunked { client.send(chunkHead) }
                    client.send(block)
                    if framing == .chunked { client.send("\r\n") }
                    sentBodyBytes.withLock { $0 += Self.blockSize }
                }
                if framing == .chunked { client.send("0\r\n\r\n") }
                return try client.readResponse(timeout: .seconds(60))
            }

            // The handler is paused; the connection keeps reading only until the channel is full.
            let isFull = await waitUntil(deadline: .now + .seconds(60)) {
                guard isPaused.load(ordering: .acquiring), let buffer = channel.withLock({ $0 }) else { return false }
                return (try? await Self.bufferedByteCount(of: buffer)) ?? 0 >= BodyChunkBuffer.highWaterMark
            }
            #expect(isFull)
            let pausedChannel = try #require(channel.withLock { $0 })
            var largestSample = 0
            for _ in 0..<100 {
                largestSample = max(largestSample, try await Self.bufferedByteCount(of: pausedChannel))
                try await Task.sleep(for: .milliseconds(2))
            }
            #expect(largestSample <= Self.bound)
            // Socket buffers hold a few megabytes at most, so a sender still blocked means the server stopped reading.
            #expect(sentBodyBytes.withLock { $0 } < Self.uploadSize)
            resume.fire()

            let answer = try #require(try await response)
            #expect(answer.status == 200)
            #expect(answer.bodyText == "\(expected.byteCount) \(expected.sum) \(expected.weightedSum)")
            #expect(expected.byteCount == UInt64(Self.uploadSize))
            #expect(try await pausedChannel.loop.perform { pausedChannel.peakBufferedByteCount } <= Self.bound)
        }
    }

    /// Bytes the buffer holds, read on its loop (the buffer is loop-confined).
    static func bufferedByteCount(of buffer: BodyChunkBuffer) async throws -> Int {
        try await buffer.loop.perform { buffer.bufferedByteCount }
    }

    /// One block of deterministic pseudo-random bytes (xorshift64), so the checksum sees varied data.
    static func pseudoRandomBlock() -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var block = [UInt8](repeating: 0, count: blockSize)
        block.withUnsafeMutableBytes { bytes in
            for offset in stride(from: 0, to: bytes.count, by: 8) {
                state ^= state << 13
                state ^= state >> 7
                state ^= state << 17
                bytes.storeBytes(of: state.littleEndian, toByteOffset: offset, as: UInt64.self)
            }
        }
        return block
    }
}
