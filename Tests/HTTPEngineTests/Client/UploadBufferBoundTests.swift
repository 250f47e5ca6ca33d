import Testing
@testable import HTTPEngine

extension ClientTests {
    @Suite("Client upload buffer bound")
    struct UploadBufferBoundTests {
        @Test func streamedUploadToSlowUpstreamKeepsOnlyUnsentBytesBuffered() async throws {
            let total = 48 * 1024 * 1024
            let chunkSize = 64 * 1024
            let countingHandler = HTTPClosureHandler { request in
                var count = 0
                for try await chunk in request.body { count += chunk.count }
                return HTTPResponse(status: .ok, body: .init(string: "\(count)"))
            }
            try await withUpstreamServer(configure: { $0.maxRequestBodySize = 64 * 1024 * 1024 }, handler: countingHandler) { port in
                try await withClient { client in
                    // A first exchange leaves a pooled connection whose socket buffers the test can shrink.
                    let warm = try await client.execute(HTTPClientRequest(method: .get, host: "127.0.0.1", port: port, target: "/warm"))
                    _ = try await warm.body.collect(upTo: 64)
                    let connection = try #require(try await client.idleConnectionsForTesting().first)
                    try await connection.shrinkSocketBuffersForTesting(to: 4096)

                    var request = HTTPClientRequest(method: .post, host: "127.0.0.1", port: port, target: "/upload")
                    request.body = .stream(GeneratedChunks(totalBytes: total, chunkSize: chunkSize), length: total)
                    let response = try await client.execute(request)
                    #expect(response.status.code == 200)
                    #expect(String(decoding: try await response.body.collect(upTo: 64), as: UTF8.self) == "\(total)")

                    let peaks = try await connection.outputPeaks()
                    #expect(peaks.unsent <= OutboundBuffer.highWaterMark + chunkSize + 1024)
                    #expect(peaks.retained <= OutboundBuffer.highWaterMark + chunkSize + 1024 + OutboundBuffer.chunkCapacity + 1024)
                }
            }
        }
    }
}
