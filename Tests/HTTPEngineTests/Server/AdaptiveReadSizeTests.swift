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

    @Test func idleConnectionGivesBackItsLargeBuffer() async throws {
        let handler = HTTPClosureHandler { request in
            var total = 0
            for try await chunk in request.body { total += chunk.count }
            return HTTPResponse(body: .init(string: String(total)))
        }
        try await withTestServer(configure: { $0.maxRequestBodySize = 8 << 20 }, handler: handler) { server, port in
            // Kept open past the exchange: the server keeps its connection only while we do.
            let client = try await blocking { try RawClient(port: port) }
            try await blocking {
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: \(4 << 20)\r\n\r\n")
                client.send([UInt8](repeating: 0x62, count: 4 << 20))
                #expect(try client.readResponse(timeout: .seconds(60))?.bodyText == String(4 << 20))
                // Small requests after the upload: every two short reads halve the size, so eight
                // bring 64 KiB back to 4 KiB; ten leave no doubt.
                for _ in 0..<10 {
                    client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                    _ = try client.readResponse(timeout: .seconds(60))
                }
            }
            let connection = try #require(try await server.openConnectionsForTesting().first)
            let capacity = try await connection.inboundCapacityForTesting()
            #expect(capacity <= 4 * ServerConnection.initialReadSize)
            withExtendedLifetime(client) {}
        }
    }

    /// The hostile side of the same bound: a client that uploads 4 MiB and then sends nothing
    /// more. Its connection idles for the idle time-out; the buffer must be small for all of it,
    /// not only once small requests have shrunk the read size.
    @Test func connectionIdleRightAfterAnUploadGivesBackItsLargeBuffer() async throws {
        let handler = HTTPClosureHandler { request in
            var total = 0
            for try await chunk in request.body { total += chunk.count }
            return HTTPResponse(body: .init(string: String(total)))
        }
        try await withTestServer(configure: { $0.maxRequestBodySize = 8 << 20 }, handler: handler) { server, port in
            let client = try await blocking { try RawClient(port: port) }
            let answer = try await blocking {
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: \(4 << 20)\r\n\r\n")
                client.send([UInt8](repeating: 0x62, count: 4 << 20))
                return try client.readResponse(timeout: .seconds(60))?.bodyText
            }
            #expect(answer == String(4 << 20))
            let connection = try #require(try await server.openConnectionsForTesting().first)
            let capacity = try await connection.inboundCapacityForTesting()
            #expect(capacity <= 4 * ServerConnection.initialReadSize, "\(capacity) bytes kept by an idle connection")
            withExtendedLifetime(client) {}
        }
    }
}
