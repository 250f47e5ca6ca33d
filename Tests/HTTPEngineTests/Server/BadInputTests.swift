import Testing
@testable import HTTPEngine

@Suite("Bad input over a real socket")
struct BadInputTests {
    /// Sends `request` and expects `status` followed by the server closing the connection.
    func expectStatusAndClose(_ request: String, status: Int, configure: @escaping (inout HTTPServerConfiguration) -> Void = { _ in }) async throws {
        try await withTestServer(configure: configure, handler: echoHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send(request)
                let response = try #require(try client.readResponse())
                #expect(response.status == status)
                #expect(response.headers["connection"] == "close")
                #expect(client.waitForClose())
            }
        }
    }

    @Test func answersMalformedRequestLineWith400AndCloses() async throws {
        try await expectStatusAndClose("GARBAGE\r\n\r\n", status: 400)
    }

    @Test func answersMalformedHeaderWith400AndCloses() async throws {
        try await expectStatusAndClose("GET / HTTP/1.1\r\nHost: t\r\nNo colon here\r\n\r\n", status: 400)
    }

    @Test func answersTooLongTargetWith414() async throws {
        try await expectStatusAndClose("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: t\r\n\r\n", status: 414)
    }

    @Test func answersOversizedHeadersWith431() async throws {
        try await expectStatusAndClose("GET / HTTP/1.1\r\nHost: t\r\nX: \(String(repeating: "b", count: 40_000))\r\n\r\n", status: 431)
    }

    @Test func answersTooManyHeadersWith431() async throws {
        let fields = (0..<150).map { "X-\($0): y\r\n" }.joined()
        try await expectStatusAndClose("GET / HTTP/1.1\r\nHost: t\r\n\(fields)\r\n", status: 431)
    }

    @Test func answersTooManyTrailerFieldsWith431() async throws {
        // One field over the default count of 100, in 900 bytes: only the count can refuse it.
        let fields = (0..<101).map { "T\($0): y\r\n" }.joined()
        try await expectStatusAndClose("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\(fields)\r\n", status: 431)
    }

    @Test func answersDeclaredOversizedBodyWith413() async throws {
        try await expectStatusAndClose("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n", status: 413) {
            $0.maxRequestBodySize = 1000
        }
    }

    @Test func answersOversizedChunkedBodyWith413() async throws {
        let chunk = String(repeating: "z", count: 600)
        try await expectStatusAndClose("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n0\r\n\r\n", status: 413) {
            $0.maxRequestBodySize = 1000
        }
    }

    @Test func rejectsContentLengthWithTransferEncodingWith400() async throws {
        try await expectStatusAndClose("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400)
    }

    @Test func rejectsConflictingContentLengthWith400() async throws {
        try await expectStatusAndClose("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", status: 400)
    }

    @Test(arguments: ["zz", "fffffffffffffffff", "5 junk"])
    func rejectsInvalidChunkSizeWith400(size: String) async throws {
        try await expectStatusAndClose("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nhello\r\n0\r\n\r\n", status: 400)
    }

    @Test func rejectsChunkWithoutTrailingCRLFWith400() async throws {
        try await expectStatusAndClose("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXY0\r\n\r\n", status: 400)
    }

    @Test func rejectsTransferEncodingNotEndingInChunkedWith400() async throws {
        try await expectStatusAndClose("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n", status: 400)
    }

    @Test func answersUnknownTransferCodingWith501() async throws {
        try await expectStatusAndClose("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n", status: 501)
    }

    @Test func rejectsObsoleteLineFoldingWith400() async throws {
        try await expectStatusAndClose("GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", status: 400)
    }

    @Test func rejectsBareLineFeedWith400() async throws {
        try await expectStatusAndClose("GET / HTTP/1.1\nHost: t\n\n", status: 400)
    }

    @Test func rejectsNulInFieldValueWith400() async throws {
        try await expectStatusAndClose("GET / HTTP/1.1\r\nHost: t\r\nX: a\u{0}b\r\n\r\n", status: 400)
    }

    @Test func rejectsControlCharacterInFieldValueWith400() async throws {
        try await expectStatusAndClose("GET / HTTP/1.1\r\nHost: t\r\nX: a\u{7}b\r\n\r\n", status: 400)
    }

    @Test func rejectsWhitespaceBeforeColonWith400() async throws {
        try await expectStatusAndClose("GET / HTTP/1.1\r\nHost: t\r\nX-Key : v\r\n\r\n", status: 400)
    }

    @Test func rejectsUnsupportedVersionWith505() async throws {
        try await expectStatusAndClose("GET / HTTP/3.0\r\nHost: t\r\n\r\n", status: 505)
    }

    @Test func answersPrecedingPipelinedRequestBeforeRejectingABadOne() async throws {
        try await withTestServer(handler: echoHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET /good HTTP/1.1\r\nHost: t\r\n\r\nGET /bad HTTP/1.1\r\nHost : t\r\n\r\n")
                #expect(try client.readResponse()?.headers["x-path"] == "/good")
                #expect(try client.readResponse()?.status == 400)
                #expect(client.waitForClose())
            }
        }
    }

    @Test func survivesRandomGarbageWithoutCrashing() async throws {
        try await withTestServer(handler: echoHandler) { server, port in
            try await blocking {
                var generator = SystemRandomNumberGenerator()
                for _ in 0..<50 {
                    let client = try RawClient(port: port)
                    let length = Int.random(in: 1...2000, using: &generator)
                    client.send((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
                    client.finishSending()
                    #expect(client.waitForClose())
                }
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse()?.status == 200)
            }
            _ = server
        }
    }
}
