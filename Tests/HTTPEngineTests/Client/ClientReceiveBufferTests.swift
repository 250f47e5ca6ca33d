import Testing
@testable import HTTPEngine

extension ClientTests {
    /// The client's reads grow with a body and its buffer shrinks back before the connection
    /// idles in the pool, as the server's does (both read through `ConnectionCore`).
    @Suite("Client receive buffer")
    struct ClientReceiveBufferTests {
        static let downloadSize = 4 << 20
        /// Answers every request with `downloadSize` bytes.
        static let downloadHandler = HTTPClosureHandler { _ in
            HTTPResponse(body: .init(bytes: [UInt8](repeating: 0x62, count: downloadSize)))
        }

        @Test func largeDownloadArrivesInLargeChunks() async throws {
            let handler = Self.downloadHandler
            try await withUpstreamServer(handler: handler) { port in
                try await withClient { client in
                    let response = try await client.execute(HTTPClientRequest(method: .get, host: "127.0.0.1", port: port, target: "/big"))
                    var total = 0
                    var chunks = 0
                    for try await chunk in response.body {
                        total += chunk.count
                        chunks += 1
                    }
                    #expect(total == Self.downloadSize)
                    // 4 KiB reads would make 1,024 chunks of it; reads growing to 64 KiB make about
                    // 64. The bound leaves room for reads that find less than a full read waiting.
                    #expect(chunks <= 256)
                }
            }
        }

        @Test func pooledConnectionGivesBackItsLargeBuffer() async throws {
            let handler = HTTPClosureHandler { request in
                let size = request.path == "/big" ? Self.downloadSize : 10
                return HTTPResponse(body: .init(bytes: [UInt8](repeating: 0x62, count: size)))
            }
            try await withUpstreamServer(handler: handler) { port in
                try await withClient { client in
                    let big = try await client.execute(HTTPClientRequest(method: .get, host: "127.0.0.1", port: port, target: "/big"))
                    #expect(try await big.body.collect(upTo: Self.downloadSize).count == Self.downloadSize)
                    // Every two short reads halve the read size: eight small responses bring 64 KiB
                    // back to 4 KiB; ten leave no doubt.
                    for _ in 0..<10 {
                        let small = try await client.execute(HTTPClientRequest(method: .get, host: "127.0.0.1", port: port, target: "/small"))
                        #expect(try await small.body.collect(upTo: 64).count == 10)
                    }
                    let connection = try #require(try await client.idleConnectionsForTesting().first)
                    #expect(try await connection.inboundCapacityForTesting() <= 16 * 1024)
                }
            }
        }

        /// A pooled connection back in the pool right after a 4 MiB download, with no small
        /// responses after it, holds a small buffer while it idles.
        @Test func pooledConnectionIdleRightAfterADownloadGivesBackItsLargeBuffer() async throws {
            let handler = Self.downloadHandler
            try await withUpstreamServer(handler: handler) { port in
                try await withClient { client in
                    let big = try await client.execute(HTTPClientRequest(method: .get, host: "127.0.0.1", port: port, target: "/big"))
                    #expect(try await big.body.collect(upTo: Self.downloadSize).count == Self.downloadSize)
                    let connection = try #require(try await client.idleConnectionsForTesting().first)
                    let capacity = try await connection.inboundCapacityForTesting()
                    #expect(capacity <= 16 * 1024, "\(capacity) bytes kept by an idle pooled connection")
                }
            }
        }
    }
}
