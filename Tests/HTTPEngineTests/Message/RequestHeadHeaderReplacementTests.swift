import Testing
@testable import HTTPEngine

/// Replacing a request's headers (what a rewriting proxy does) must leave its target alone.
@Suite struct RequestHeadHeaderReplacementTests {
    static let replacements: [HTTPHeaders] = [
        HTTPHeaders(),
        HTTPHeaders([("a", "b")]),
        HTTPHeaders((0..<50).map { ("x-field-\($0)", String(repeating: "v", count: 40)) }),
    ]

    @Test(arguments: replacements)
    func parsedTargetSurvivesHeaderReplacement(replacement: HTTPHeaders) throws {
        let parsed = try parseMessage("GET /items/42?sort=asc HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n")
        var head = try #require(parsed.requestHead)
        head.headers = replacement
        #expect(head.target == "/items/42?sort=asc")
        #expect(head.path == "/items/42")
        #expect(head.query == "sort=asc")
        #expect(Array(head.targetBytes) == Array("/items/42?sort=asc".utf8))
        #expect(head.headers.count == replacement.count)
    }

    @Test(arguments: replacements)
    func codeBuiltTargetSurvivesHeaderReplacement(replacement: HTTPHeaders) {
        let head = HTTPRequestHead(method: .get, target: "/a/b?c=d", headers: HTTPHeaders([("host", "h")]))
        var request = HTTPRequest(head: head, remoteAddress: .init(host: "127.0.0.1", port: 1)!, localAddress: .init(host: "127.0.0.1", port: 2)!)
        request.headers = replacement
        #expect(request.target == "/a/b?c=d")
        #expect(request.path == "/a/b")
        #expect(request.query == "c=d")
    }

    @Test func editingParsedHeadersKeepsTargetAndFields() throws {
        let parsed = try parseMessage("POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n")
        var head = try #require(parsed.requestHead)
        head.headers.remove(name: "host")
        head.headers.add(name: "x-forwarded-for", value: "10.0.0.1")
        #expect(head.path == "/upload")
        #expect(head.headers["x-forwarded-for"] == "10.0.0.1")
        #expect(head.headers["host"] == nil)
    }
}
