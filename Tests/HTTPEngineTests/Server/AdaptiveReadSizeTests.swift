import Synchronization
import Testing
@testable import HTTPEngine

/// Reads grow with the traffic and shrink back: a large upload arrives in large chunks, and a
/// connection that goes back to small requests gives its large buffer back.
@Suite struct AdaptiveReadSizeTests {
    @Test func sizeDoublesOnFullReadsUpToTheMaximum() {
        var size = AdaptiveReadSize(minimum: 4096, maximum: 65_536)
        for expected in [8192, 16_384, 32_768, 65_536, 65_536] {
            size.record(size.current)
            #expect(size.current == expected)
        }
    }

    @Test func sizeHalvesOnlyAfterTwoShortReadsInARow() {
        var size = AdaptiveReadSize(minimum: 4096, maximum: 65_536)
        for _ in 0..<4 { size.record(size.current) }
        #expect(size.current == 65_536)
        size.record(100)
        #expect(size.current == 65_536)
        // A read of half the size resets the count: the burst's tail, not a change of traffic.
        size.record(32_768)
        size.record(100)
        #expect(size.current == 65_536)
        size.record(100)
        #expect(size.current == 32_768)
        for _ in 0..<20 { size.record(0) }
        #expect(size.current == 4096)
        #expect(size.isAtMinimum)
    }

    @Test func largeUploadArrivesInLargeChunks() async throws {
        let chunkCount = Atomic<Int>(0)
        let handler = HTTPClosureHandler { request in
            var total = 0
            for try await chunk in request.body {
                total += chunk.count
                chunkCount.add(1, ordering: .relaxed)
            }
            return HTTPResponse(body: .init(string: String(total)))
        }
        let size = 16 * 1024 * 1024
        try await withTestServer(configure: { $0.maxRequestBodySize = size }, handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: \(size)\r\n\r\n")
                let block = [UInt8](repeating: 0x62, count: 1024 * 1024)
                for _ in 0..<16 { client.send(block) }
                #expect(try client.readResponse(timeout: .seconds(60))?.bodyText == String(size))
            }
        }
        // 4 KiB reads made 4,096 chunks of this upload; 64 KiB reads make 256. The bound leaves
        // room for reads that find less than a full 64 KiB waiting in the socket.
        #expect(chunkCount.load(ordering: .relaxed) <= 1024)
    }

    /// A connection idle after a 4 MiB upload holds a small buffer: after small requests have
    /// shrunk the read size (`smallRequestsAfter` 10: every two short reads halve it, so eight
    /// bring 64 KiB back to 4 KiB), and, the hostile side of the same bound, right after the
    /// upload with nothing sent since (0), for the whole idle time-out.
    @Test(arguments: [10, 0])
    func idleConnectionGivesBackItsLargeBuffer(smallRequestsAfter: Int) async throws {
        let handler = HTTPClosureHandler { request in
            var total = 0
            for try await chunk in request.body { total += chunk.count }
            return HTTPResponse(body: .init(string: String(total)))
        }
        try await withTestServer(configure: { $0.maxRequestBodySize = 8 << 20 }, handler: handler) { server, port in
            // Kept open past the exchange: the server keeps its connection only while we do.
            let client = try await blocking { try RawClient(port: port) }
            let answer = try await blocking {
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: \(4 << 20)\r\n\r\n")
                client.send([UInt8](repeating: 0x62, count: 4 << 20))
                let answer = try client.readResponse(timeout: .seconds(60))?.bodyText
                for _ in 0..<smallRequestsAfter {
                    client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                    _ = try client.readResponse(timeout: .seconds(60))
                }
                return answer
            }
            #expect(answer == String(4 << 20))
            let connection = try #require(try await server.openConnectionsForTesting().first)
            let capacity = try await connection.inboundCapacityForTesting()
            #expect(capacity <= 4 * ServerConnection.initialReadSize, "\(capacity) bytes kept by an idle connection")
            withExtendedLifetime(client) {}
        }
    }
}
