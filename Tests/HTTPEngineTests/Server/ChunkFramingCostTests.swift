import Testing
@testable import HTTPEngine

/// Chunked framing is input the peer chooses freely; it must cost it as much as body bytes do.
@Suite("Chunk framing is bounded and counted")
struct ChunkFramingCostTests {
    /// `count` one-byte chunks, each line carrying an extension of `extensionLength` bytes.
    static func oneByteChunks(_ count: Int, extensionLength: Int) -> String {
        let line = extensionLength > 0 ? "1;" + String(repeating: "e", count: extensionLength - 1) : "1"
        return String(repeating: line + "\r\nx\r\n", count: count) + "0\r\n\r\n"
    }

    @Test func extensionsAcrossManyChunkLinesHitTheMessageBound() {
        var parser = HTTPParser(mode: .request, limits: HTTPParserLimits(maxChunkExtensionBytes: 2000))
        let input = "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + Self.oneByteChunks(30, extensionLength: 100)
        var bytes = Array(input.utf8)
        var caught: HTTPParseError?
        var bodyBytes = 0
        while caught == nil {
            let result = bytes.withUnsafeBytes { buffer in Result { () throws(HTTPParseError) in try parser.parse(buffer) } }
            switch result {
            case .success(let step):
                if case .body(let range)? = step.event { bodyBytes += range.count }
                if case .messageEnd? = step.event { Issue.record("the whole message was accepted"); return }
                bytes.removeFirst(step.consumed)
            case .failure(let error):
                caught = error
            }
        }
        #expect(caught == .chunkExtensionsTooLarge)
        // Each line is under the per-line limit; only the running total refuses the 21st.
        #expect(bodyBytes == 20)
    }

    @Test func framingBytesAreCountedAndResetPerMessage() throws {
        var parser = HTTPParser(mode: .request)
        let message = "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"
        var bytes = Array((message + message).utf8)
        var framingAtEnd: [Int] = []
        var framingBeforeEnd = 0
        while framingAtEnd.count < 2 {
            let step = try bytes.withUnsafeBytes { buffer in Result { () throws(HTTPParseError) in try parser.parse(buffer) } }.get()
            bytes.removeFirst(step.consumed)
            if case .messageEnd? = step.event {
                framingAtEnd.append(framingBeforeEnd)
                #expect(parser.bodyFramingBytes == 0)
            }
            framingBeforeEnd = parser.bodyFramingBytes
        }
        // "5;a=b\r\n" + "\r\n" + "0\r\n" + "X-T: 1\r\n\r\n"
        #expect(framingAtEnd == [7 + 2 + 3 + 10, 7 + 2 + 3 + 10])
    }

    @Test func serverAnswersExtensionFloodWith400BeforeReadingItAll() async throws {
        try await withTestServer(handler: echoHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                // 10 chunks with 900-byte extensions: 9 KB of extensions around 10 bytes of body,
                // past the 4 KiB a message may carry; refused at the fifth chunk line.
                client.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
                client.send(Self.oneByteChunks(10, extensionLength: 900))
                let response = try #require(try client.readResponse())
                #expect(response.status == 400)
                #expect(client.waitForClose())
            }
        }
    }

    @Test func framingCountsAgainstTheBodySizeLimit() async throws {
        try await withTestServer(configure: { $0.maxRequestBodySize = 1000 }, handler: echoHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                // 300 body bytes, under the limit, in one-byte chunks: 1,800 bytes on the wire.
                client.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + Self.oneByteChunks(300, extensionLength: 0))
                let response = try #require(try client.readResponse())
                #expect(response.status == 413)
            }
        }
    }

    @Test func framingCountsAgainstTheDrainLimit() async throws {
        try await withTestServer(configure: { $0.maxDrainSize = 1000 }, handler: okHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                // The handler answers without reading, so the body that follows is drained.
                client.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
                let response = try #require(try client.readResponse())
                #expect(response.status == 200)
                // 300 body bytes, 1,800 on the wire: over the 1,000-byte drain budget, so closed.
                client.send(Self.oneByteChunks(300, extensionLength: 0))
                #expect(client.waitForClose())
            }
        }
    }
}
