import Testing
@testable import HTTPEngine

@Suite("Response parser")
struct ResponseParserTests {
    @Test func parsesStatusLineHeadersAndContentLengthBody() throws {
        let message = try parseMessage("HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: b\r\n\r\nhi", mode: .response)
        let head = try #require(message.responseHead)
        #expect(head.status.code == 201)
        #expect(head.status.reasonPhrase == "Created")
        #expect(head.headers["x-a"] == "b")
        #expect(message.body == Array("hi".utf8))
    }

    /// A standard reason is taken as the library's literal, any other is kept as sent, and
    /// a standard phrase under another code is not mistaken for that code's.
    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\n\r\n", "OK"),
        ("HTTP/1.1 200 Fine\r\n\r\n", "Fine"),
        ("HTTP/1.1 200 ok\r\n\r\n", "ok"),
        ("HTTP/1.1 404 OK\r\n\r\n", "OK"),
        ("HTTP/1.1 404 \r\n\r\n", "Not Found"),
        ("HTTP/1.1 299 Custom Thing\r\n\r\n", "Custom Thing"),
    ])
    func keepsTheReasonPhraseAsSent(response: String, reason: String) throws {
        let message = try parseMessage(response, mode: .response)
        #expect(message.responseHead?.status.reasonPhrase == reason)
    }

    @Test func parsesChunkedResponse() throws {
        let message = try parseMessage("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", mode: .response, pieceSize: 3)
        #expect(message.body == Array("hi".utf8))
        #expect(message.isComplete)
    }

    @Test func bodyWithoutFramingRunsUntilClose() throws {
        let message = try parseMessage("HTTP/1.0 200 OK\r\n\r\nall of it", mode: .response, closeAtEnd: true)
        #expect(message.responseHead?.bodyFraming == .untilClose)
        #expect(message.body == Array("all of it".utf8))
        #expect(message.isComplete)
    }

    @Test func responseToHeadHasNoBodyDespiteContentLength() throws {
        let message = try parseMessage("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", mode: .response, isResponseToHead: true)
        #expect(message.isComplete)
        #expect(message.body.isEmpty)
    }

    @Test func noContentAndNotModifiedHaveNoBody() throws {
        #expect(try parseMessage("HTTP/1.1 204 No Content\r\n\r\n", mode: .response).isComplete)
        #expect(try parseMessage("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", mode: .response).isComplete)
    }

    @Test func truncatedBodyIsReportedAtClose() {
        var parser = HTTPParser(mode: .response)
        let bytes = Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8)
        _ = bytes.withUnsafeBytes { try? parser.parse($0) }
        #expect(throws: HTTPParseError.truncatedMessage) { try parser.finish() }
    }

    @Test(arguments: ["HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTQ/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 O\u{1}K\r\n\r\n"])
    func rejectsMalformedStatusLines(input: String) {
        #expect(parseError(input, mode: .response) == .invalidStatusLine)
    }
}
