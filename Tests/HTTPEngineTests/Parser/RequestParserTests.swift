import Testing
@testable import HTTPEngine

@Suite("Request parser")
struct RequestParserTests {
    @Test func parsesRequestLineAndHeadersWithCaseInsensitiveLookup() throws {
        let message = try parseMessage("GET /items?id=3 HTTP/1.1\r\nHost: example\r\nX-API-Key:  secret \r\n\r\n")
        let head = try #require(message.requestHead)
        #expect(head.method == .get)
        #expect(head.target == "/items?id=3")
        #expect(head.path == "/items")
        #expect(head.query == "id=3")
        #expect(head.version == .http1_1)
        #expect(head.headers["x-api-key"] == "secret")
        #expect(head.headers.first(name: "HOST") == "example")
        #expect(head.headers.firstValueBytes(name: "X-Api-Key").map(Array.init) == Array("secret".utf8))
        #expect(message.isComplete)
    }

    @Test func byteAtATimeInputGivesTheSameMessage() throws {
        let input = "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n"
        let whole = try parseMessage(input)
        let pieces = try parseMessage(input, pieceSize: 1)
        #expect(whole.body == Array("hello world".utf8))
        #expect(pieces.body == whole.body)
        #expect(pieces.isComplete)
    }

    @Test func contentLengthBodyIsDeliveredExactly() throws {
        let message = try parseMessage("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabcdeGET")
        #expect(message.body == Array("abcde".utf8))
        #expect(message.requestHead?.bodyFraming == .length(5))
    }

    @Test func keepAliveDefaultsFollowTheVersion() throws {
        #expect(try parseMessage("GET / HTTP/1.1\r\nHost: h\r\n\r\n").requestHead?.isKeepAlive == true)
        #expect(try parseMessage("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").requestHead?.isKeepAlive == false)
        #expect(try parseMessage("GET / HTTP/1.0\r\n\r\n").requestHead?.isKeepAlive == false)
        #expect(try parseMessage("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").requestHead?.isKeepAlive == true)
    }

    @Test func ignoresEmptyLinesBeforeTheRequestLine() throws {
        #expect(try parseMessage("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n").requestHead?.method == .get)
    }

    @Test(arguments: [
        ("GET /\r\n\r\n", HTTPParseError.invalidRequestLine),
        ("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine),
        ("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", .invalidRequestLine),
        ("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", .invalidRequestLine),
        ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", .unsupportedVersion),
        ("GET / HTTP/1.1\r\n\r\n", .missingHost),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .missingHost),
        ("GET / HTTP/1.1\nHost: h\r\n\r\n", .bareLineFeed),
        ("GET / HTTP/1.1\r\nHost: h\n\r\n", .bareLineFeed),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  folded\r\n\r\n", .obsoleteLineFolding),
        ("GET / HTTP/1.1\r\nHost : h\r\n\r\n", .whitespaceBeforeColon),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n", .invalidHeaderValue),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{1}b\r\n\r\n", .invalidHeaderValue),
        ("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", .invalidHeaderValue),
        ("GET / HTTP/1.1\r\nHost: h\r\nBad{Name: a\r\n\r\n", .invalidHeaderName),
        ("GET / HTTP/1.1\r\nHost: h\r\n: a\r\n\r\n", .invalidHeaderName),
    ])
    func rejectsMalformedHeads(input: String, expected: HTTPParseError) {
        #expect(parseError(input) == expected)
        #expect(expected.status.code >= 400)
    }

    @Test func rejectsTooLongTargetWith414() {
        let error = parseError("GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(error == .requestTargetTooLong)
        #expect(error?.status.code == 414)
        #expect(parseError("GET /\(String(repeating: "a", count: 400))")?.status.code == 414)
    }

    @Test func rejectsOversizedOrTooManyHeadersWith431() {
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX: \(String(repeating: "b", count: 600))\r\n\r\n"
        #expect(parseError(big) == .headersTooLarge)
        let many = "GET / HTTP/1.1\r\nHost: h\r\n" + (0..<9).map { "X-\($0): y\r\n" }.joined() + "\r\n"
        #expect(parseError(many) == .tooManyHeaders)
        #expect(HTTPParseError.tooManyHeaders.status.code == 431)
    }
}
