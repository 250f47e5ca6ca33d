import Glibc
import Testing
@testable import HTTPEngine

/// A client that never ends one element of a request (a chunk-size line, the trailers, a header
/// line) must be answered once the parser's limit for that element is passed, while it is still
/// sending, not read on for as long as it cares to send.
@Suite("Endless input meets the parser's limits")
struct EndlessInputTests {
    /// Most the client may have pushed when the answer comes. The server needs the limit (at most
    /// 32 KiB) plus one read; the rest is room for kernel buffers, small on the client's side
    /// (4 KiB asked for) but not on the server's, which the test does not shrink.
    static let answeredWithin = 1024 * 1024
    /// How long the client floods without an answer before giving up. A server without the limit
    /// under test stops reading at its read-ahead bound and answers only at a time-out (408 after
    /// the 20 s body allowance, or nothing before the test's 60 s head time-out).
    static let giveUp = Duration.seconds(30)

    /// Sends `prefix`, then `unit` over and over as fast as the server takes it, until the server
    /// answers or closes, or `answeredWithin` bytes are out; returns the answer and how many bytes
    /// of `unit`s were sent before it.
    static func flood(port: UInt16, prefix: String, endless unit: String) throws -> (response: TestResponse?, sent: Int) {
        // Small kernel buffers on the client so they do not hide what the server reads.
        let client = try RawClient(port: port, socketBufferSize: 4096)
        client.send(prefix)
        let unitBytes = Array(unit.utf8)
        // Whole units, so a send cut short anywhere is continued by the same endless pattern.
        let batch = Array(Array(repeating: unitBytes, count: max(1, 16 * 1024 / unitBytes.count)).joined())
        var sent = 0
        var offset = 0
        let start = ContinuousClock.now
        while sent < answeredWithin, ContinuousClock.now - start < giveUp {
            let events = client.waitForEvents(Int32(POLLIN | POLLOUT), timeout: .milliseconds(100))
            // An answer, an end of stream or a reset: the server has stopped taking the flood.
            if events & Int32(POLLIN | POLLERR | POLLHUP) != 0 {
                return (try client.readResponse(timeout: .seconds(10)), sent)
            }
            guard events & Int32(POLLOUT) != 0 else { continue }
            let taken = client.sendWithoutBlocking(batch[offset...])
            if taken < 0 { return (try client.readResponse(timeout: .seconds(10)), sent) }
            sent += taken
            offset = (offset + taken) % batch.count
        }
        return (nil, sent)
    }

    /// Floods `endless` after `prefix` and expects `status` with `Connection: close` before
    /// `answeredWithin` bytes of it went out; `what` names the flood in the failure message.
    static func expectAnsweredWhileStillSending(_ status: Int, prefix: String, endless: String, what: String) async throws {
        try await withTestServer(handler: echoHandler) { _, port in
            let outcome = try await blocking { try Self.flood(port: port, prefix: prefix, endless: endless) }
            #expect(outcome.response?.status == status)
            #expect(outcome.response?.headers["connection"] == "close")
            #expect(outcome.sent < Self.answeredWithin, "sent \(outcome.sent) bytes of \(what) before the answer")
        }
    }

    @Test func chunkSizeLineOfEndlessZerosIsAnswered400AtTheLineLimit() async throws {
        // Leading zeros are not significant digits, so the 15-digit rule never refuses them:
        // only `maxChunkLineLength` stands between this line and the read-ahead bound.
        try await Self.expectAnsweredWhileStillSending(
            400, prefix: "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n", endless: "0", what: "zeros")
    }

    @Test func endlessTrailerFieldsAreAnswered431AtTheHeaderByteLimit() async throws {
        // Each line is a valid trailer field; the field count is only checked on a complete block,
        // so only `maxHeaderBytes` applied to trailers stops them.
        try await Self.expectAnsweredWhileStillSending(
            431, prefix: "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", endless: "X: y\r\n", what: "trailers")
    }

    @Test func headerLineThatNeverEndsIsAnswered431AtTheHeaderByteLimit() async throws {
        try await Self.expectAnsweredWhileStillSending(
            431, prefix: "GET / HTTP/1.1\r\nHost: t\r\nX-Endless: ", endless: "a", what: "one header line")
    }
}
