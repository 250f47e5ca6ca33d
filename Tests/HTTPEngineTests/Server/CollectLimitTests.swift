import Testing
@testable import HTTPEngine

/// `collect(upTo:)` at its limit and past it, on both sides: a handler collecting a request body
/// and a client collecting a response body. Past the limit means refused while the body is still
/// coming, not after the peer has sent it all.
@Suite("collect(upTo:) at and past its limit")
struct CollectLimitTests {
    static let limit = 1024

    /// Collects at most `limit` bytes and answers with the count; past it, `collect` throws
    /// `HTTPError(.contentTooLarge)`, which the server answers 413.
    static let collecting = HTTPClosureHandler { request in
        let body = try await request.body.collect(upTo: limit)
        return HTTPResponse(body: .init(string: "\(body.count)"))
    }

    /// `count` bytes of "a" as one chunk of the chunked coding.
    static func chunk(_ count: Int) -> String {
        String(count, radix: 16) + "\r\n" + String(repeating: "a", count: count) + "\r\n"
    }

    @Test(arguments: [limit, limit + 1])
    func aChunkedBodyOfExactlyTheLimitIsCollectedAndOneByteMoreIsRefused(size: Int) async throws {
        try await withTestServer(handler: Self.collecting) { _, port in
            let client = try RawClient(port: port)
            // Two chunks, so the second one passes the limit: no declared length to check first.
            client.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + Self.chunk(size / 2) + Self.chunk(size - size / 2) + "0\r\n\r\n")
            let response = try await blocking { try client.readResponse() }
            if size == Self.limit {
                #expect(response?.status == 200)
                #expect(response?.bodyText == "\(Self.limit)")
            } else {
                #expect(response?.status == 413)
            }
        }
    }

    @Test func aChunkedBodyPastTheLimitIsRefusedWhileTheRestIsStillToCome() async throws {
        try await withTestServer(handler: Self.collecting) { _, port in
            let client = try RawClient(port: port)
            // 8 KiB of what could be a gigabyte; the client then sends nothing more and waits.
            client.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: Self.chunk(1024), count: 8))
            let response = try await blocking { try client.readResponse(timeout: .seconds(60)) }
            #expect(response?.status == 413)
        }
    }

    @Test func aDeclaredLengthPastTheLimitIsRefusedBeforeAnyBodyByte() async throws {
        try await withTestServer(handler: Self.collecting) { _, port in
            let client = try RawClient(port: port)
            client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1073741824\r\n\r\n")
            let response = try await blocking { try client.readResponse(timeout: .seconds(60)) }
            #expect(response?.status == 413)
        }
    }
}

extension ClientTests {
    @Suite("Client: collect(upTo:) past its limit")
    struct ResponseCollectLimitTests {
        @Test(arguments: [
            ("chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1000\r\n" + String(repeating: "a", count: 4096) + "\r\n"),
            ("until close", "HTTP/1.1 200 OK\r\n\r\n", "a"),
            ("declared", "HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n", "a"),
        ])
        func anEndlessResponseBodyFailsTheCollectAndTheClientHangsUp(framing: String, prefix: String, filler: String) async throws {
            let outcome = try await FloodOutcome.of(prefix: prefix, filler: filler) { _ = try await $0.collect(upTo: 1024) }
            #expect(outcome.error == .responseBodyTooLarge(limit: 1024), "\(framing): \(String(describing: outcome.error))")
            #expect(outcome.hasUpstreamStopped, "\(framing): the upstream is still sending")
            #expect(outcome.sentByteCount < FloodOutcome.limit, "\(framing): the client read on")
        }
    }
}
