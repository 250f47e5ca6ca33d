import Synchronization
import Testing
@testable import HTTPEngine

@Suite("Streaming bodies")
struct StreamingTests {
    @Test func streamsALargeUploadWithoutCollectingIt() async throws {
        let largestChunk = Atomic<Int>(0)
        let handler = HTTPClosureHandler { request in
            var total = 0
            for try await chunk in request.body {
                total += chunk.count
                largestChunk.max(chunk.count, ordering: .relaxed)
            }
            return HTTPResponse(body: .init(string: String(total)))
        }
        let size = 32 * 1024 * 1024
        try await withTestServer(configure: { $0.maxRequestBodySize = size }, handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: \(size)\r\n\r\n")
                let block = [UInt8](repeating: 0x62, count: 1024 * 1024)
                for _ in 0..<32 { client.send(block) }
                #expect(try client.readResponse()?.bodyText == String(size))
            }
        }
        #expect(largestChunk.load(ordering: .relaxed) <= 64 * 1024)
    }

    @Test func streamsALargeResponseThroughBackPressure() async throws {
        let handler = HTTPClosureHandler { _ in
            HTTPResponse(body: .stream(contentLength: 16 * 1024 * 1024) { writer in
                let block = [UInt8](repeating: 0x63, count: 256 * 1024)
                for _ in 0..<64 { try await writer.write(block) }
            })
        }
        try await withTestServer(handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try #require(try client.readResponse(timeout: .seconds(60)))
                #expect(response.body.count == 16 * 1024 * 1024)
                #expect(response.headers["content-length"] == String(16 * 1024 * 1024))
            }
        }
    }

    @Test func closesWhenAStreamEndsShortOfItsContentLength() async throws {
        let handler = HTTPClosureHandler { _ in
            HTTPResponse(body: .stream(contentLength: 10) { writer in try await writer.write("short") })
        }
        try await withTestServer(handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(throws: HTTPParseError.truncatedMessage) { _ = try client.readResponse() }
            }
        }
    }

    @Test func writingPastTheDeclaredLengthThrowsAndNotAByteOfItIsSent() async throws {
        let overrun = Locked<String?>(nil)
        let handler = HTTPClosureHandler { request in
            HTTPResponse(body: .stream(contentLength: 10) { writer in
                try await writer.write("0123456789")
                do {
                    try await writer.write("x")
                } catch {
                    overrun.withLock { $0 = "\(error)" }
                    throw error
                }
            })
        }
        try await withTestServer(handler: handler) { _, port in
            let (first, second) = try await blocking { () throws -> (TestResponse?, TestResponse?) in
                let client = try RawClient(port: port)
                client.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\nGET /2 HTTP/1.1\r\nHost: t\r\n\r\n")
                let first = try client.readResponse()
                // The connection then closes (the handler failed) with nothing more on it: an
                // extra byte would have been read as the start of a response and thrown here.
                let second = try client.readResponse()
                return (first, second)
            }
            #expect(first?.status == 200)
            #expect(first?.bodyText == "0123456789")
            #expect(second == nil)
            #expect(overrun.withLock { $0 }?.contains("longer than its Content-Length") == true)
        }
    }

    @Test func writerWorksFromATaskOffTheLoop() async throws {
        let handler = HTTPClosureHandler { _ in
            HTTPResponse(body: .stream { writer in
                // A detached task runs on the global executor, so every write must hop to the loop.
                try await Task.detached {
                    for index in 0..<100 { try await writer.write("\(index),") }
                }.value
            })
        }
        try await withTestServer(handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                let expected = (0..<100).map { "\($0)," }.joined()
                // Two hops per write through the global executor's few threads: a sanitized run
                // with many suites at once needed more than the default 10 s.
                #expect(try client.readResponse(timeout: .seconds(60))?.bodyText == expected)
            }
        }
    }

    @Test func readsTheBodyFromATaskOffTheLoop() async throws {
        let handler = HTTPClosureHandler { request in
            // A detached task consumes on the global executor, so each wait must move to the loop.
            let total = try await Task.detached {
                var total = 0
                for try await chunk in request.body { total += chunk.count }
                return total
            }.value
            return HTTPResponse(body: .init(string: String(total)))
        }
        try await withTestServer(handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
                let block = String(repeating: "d", count: 100_000)
                for _ in 0..<20 { client.send("186a0\r\n\(block)\r\n") }
                client.send("0\r\n\r\n")
                // Two hops per chunk through the global executor's few threads (the body is
                // loop-confined): a sanitized run with many suites at once took more than 10 s.
                #expect(try client.readResponse(timeout: .seconds(60))?.bodyText == "2000000")
            }
        }
    }
}
