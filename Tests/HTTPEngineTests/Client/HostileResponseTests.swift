import Synchronization
import Testing
@testable import HTTPEngine

/// What became of one exchange with an upstream that sends `prefix` and then `filler` over and
/// over, until the client hangs up or 64 MiB are out.
struct FloodOutcome {
    /// Far more than the kernel's loopback buffers take (a few MiB): an upstream still sending
    /// when it reaches this means the client kept reading.
    static let limit = 64 * 1024 * 1024

    /// The engine error `operation` threw, nil if it threw none.
    let error: HTTPEngineError?
    /// Whether the upstream's sends failed (the client hung up) within 60 s of that error.
    let hasUpstreamStopped: Bool
    /// Bytes the upstream got out before it stopped.
    let sentByteCount: Int

    /// Sends one GET to the flooding upstream and, once the head is in, runs `readingBody` on the
    /// response's body.
    static func of(prefix: String, filler: String, readingBody: ((HTTPClientResponseBody) async throws -> Void)? = nil) async throws -> FloodOutcome {
        let sent = SharedCounter()
        let finished = ThreadGate()
        var outcome: FloodOutcome?
        try await withScriptedUpstream(script: { connection in
            defer { finished.open() }
            guard try connection.readRequest() != nil else { return }
            var total = 0
            guard connection.send(Array(prefix.utf8)) else { return }
            total += prefix.utf8.count
            let block = Array(String(repeating: filler, count: max(1, 16 * 1024 / filler.utf8.count)).utf8)
            while total < limit, connection.send(block) {
                total += block.count
                sent.value.store(total, ordering: .releasing)
            }
        }) { upstream in
            try await withClient { client in
                var error: HTTPEngineError?
                // Kept until the upstream is seen to stop: a caller that keeps its response (to
                // log it, to answer with its head) must not keep the connection reading on.
                var response: HTTPClientResponse?
                do {
                    response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                    if let readingBody, let body = response?.body { try await readingBody(body) }
                } catch let thrown {
                    error = thrown as? HTTPEngineError
                }
                // The script ends when a send fails: the client hung up rather than reading on.
                let hasUpstreamStopped = try await finished.wait(timeout: .seconds(60))
                withExtendedLifetime(response) {}
                outcome = FloodOutcome(error: error, hasUpstreamStopped: hasUpstreamStopped, sentByteCount: sent.value.load(ordering: .acquiring))
            }
        }
        return outcome!
    }
}

extension ClientTests {
    /// An upstream that never ends what it started: a head, a chunk's framing or a trailer block
    /// without its end. The client's parser limits (`HTTPParserLimits`) must end the exchange
    /// with `.malformedResponse` at the limit, and the client must stop reading and hang up,
    /// however much the upstream would still send.
    @Suite("Client against a hostile upstream's response")
    struct HostileResponseTests {
        @Test(arguments: [
            ("an endless field line", "HTTP/1.1 200 OK\r\nX-Endless: ", "a"),
            ("endless fields", "HTTP/1.1 200 OK\r\n", "X-Field: v\r\n"),
            ("an endless status line", "HTTP/1.1 200 ", "O"),
        ])
        func aResponseHeadThatNeverEndsFailsAtTheLimitAndTheClientHangsUp(case name: String, prefix: String, filler: String) async throws {
            let outcome = try await FloodOutcome.of(prefix: prefix, filler: filler)
            #expect(outcome.error?.code == .malformedResponse, "\(name): \(String(describing: outcome.error))")
            #expect(outcome.error?.status == .badGateway)
            #expect(outcome.hasUpstreamStopped, "\(name): the upstream is still sending")
            #expect(outcome.sentByteCount < FloodOutcome.limit, "\(name): the client read on")
        }

        @Test(arguments: [
            ("an endless chunk-size line", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1", "0"),
            ("an endless chunk extension", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=", "v"),
            ("an endless trailer block", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n", "X-Trailer: v\r\n"),
        ])
        func aChunkedBodyWhoseFramingNeverEndsFailsTheBodyAndTheClientHangsUp(case name: String, prefix: String, filler: String) async throws {
            let outcome = try await FloodOutcome.of(prefix: prefix, filler: filler) { _ = try await $0.collect(upTo: 1 << 20) }
            #expect(outcome.error?.code == .malformedResponse, "\(name): \(String(describing: outcome.error))")
            #expect(outcome.hasUpstreamStopped, "\(name): the upstream is still sending")
            #expect(outcome.sentByteCount < FloodOutcome.limit, "\(name): the client read on")
        }
    }
}
