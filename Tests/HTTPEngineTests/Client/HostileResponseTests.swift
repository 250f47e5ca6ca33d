import Synchronization
import Testing
@testable import HTTPEngine

/// Sends `prefix`, then `filler` over and over until the client hangs up or `limit` bytes are
/// out; counts the bytes sent into `sent` and opens `finished` at the end.
func flooding(prefix: String, filler: String, limit: Int, sent: SharedCounter, finished: ThreadGate) -> @Sendable (UpstreamConnection) throws -> Void {
    { connection in
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
    }
}

extension ClientTests {
    /// An upstream that never ends what it started: a head, a chunk's framing or a trailer block
    /// without its end. The client's parser limits (`HTTPParserLimits`) must end the exchange
    /// with `.malformedResponse` at the limit, and the client must stop reading and hang up,
    /// however much the upstream would still send.
    @Suite("Client against a hostile upstream's response")
    struct HostileResponseTests {
        /// Far more than the kernel's loopback buffers take (a few MiB): an upstream still sending
        /// when it reaches this means the client kept reading.
        static let floodLimit = 64 * 1024 * 1024

        /// The error `operation` throws, as an engine error.
        func engineError(of operation: () async throws -> Void) async -> HTTPEngineError? {
            do {
                try await operation()
                return nil
            } catch {
                return error as? HTTPEngineError
            }
        }

        @Test(arguments: [
            ("an endless field line", "HTTP/1.1 200 OK\r\nX-Endless: ", "a"),
            ("endless fields", "HTTP/1.1 200 OK\r\n", "X-Field: v\r\n"),
            ("an endless status line", "HTTP/1.1 200 ", "O"),
        ])
        func aResponseHeadThatNeverEndsFailsAtTheLimitAndTheClientHangsUp(case name: String, prefix: String, filler: String) async throws {
            let sent = SharedCounter()
            let finished = ThreadGate()
            try await withScriptedUpstream(script: flooding(prefix: prefix, filler: filler, limit: Self.floodLimit, sent: sent, finished: finished)) { upstream in
                try await withClient { client in
                    let error = await engineError {
                        _ = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                    }
                    #expect(error?.code == .malformedResponse, "\(name): \(String(describing: error))")
                    #expect(error?.status == .badGateway)
                    // The script ends when a send fails: the client hung up rather than reading on.
                    let hasUpstreamStopped = try await finished.wait(timeout: .seconds(60))
                    #expect(hasUpstreamStopped, "\(name): the upstream is still sending")
                }
                #expect(sent.value.load(ordering: .acquiring) < Self.floodLimit, "\(name): the client read on")
            }
        }

        @Test(arguments: [
            ("an endless chunk-size line", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1", "0"),
            ("an endless chunk extension", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=", "v"),
            ("an endless trailer block", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n", "X-Trailer: v\r\n"),
        ])
        func aChunkedBodyWhoseFramingNeverEndsFailsTheBodyAndTheClientHangsUp(case name: String, prefix: String, filler: String) async throws {
            let sent = SharedCounter()
            let finished = ThreadGate()
            try await withScriptedUpstream(script: flooding(prefix: prefix, filler: filler, limit: Self.floodLimit, sent: sent, finished: finished)) { upstream in
                try await withClient { client in
                    let error = await engineError {
                        let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                        _ = try await response.body.collect(upTo: 1 << 20)
                    }
                    #expect(error?.code == .malformedResponse, "\(name): \(String(describing: error))")
                    let hasUpstreamStopped = try await finished.wait(timeout: .seconds(60))
                    #expect(hasUpstreamStopped, "\(name): the upstream is still sending")
                }
                #expect(sent.value.load(ordering: .acquiring) < Self.floodLimit, "\(name): the client read on")
            }
        }
    }
}
