import Synchronization
import Testing
import TestSupport
@testable import HTTPEngine

@Suite("Read-ahead bound")
struct ReadAheadBoundTests {
    /// The documented bound on input a server connection holds unparsed.
    static let readAheadLimit = HTTPParserLimits().maxHeaderBytes + ServerConnection.readChunkSize

    @Test func aClientPipeliningBehindAHandlerThatNeverAnswersIsReadNoFurtherThanTheBound() async throws {
        // The handler holds the first request, so nothing consumes what follows it: the receive
        // buffer is the only thing between the client's flood and the server's memory. The output
        // side never fills (no answer is sent), so its pause cannot be what stops the reading.
        let release = TestSignal()
        let handler = HTTPClosureHandler { _ in
            await release.wait()
            return HTTPResponse(status: .ok)
        }
        try await withTestServer(handler: handler) { server, port in
            // Default kernel buffers: loopback's let one read return a whole 64 KiB, which is what
            // pushed a buffer just under its limit over it.
            let client = try RawClient(port: port)
            let request = Array("GET /p HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
            let batch = Array(Array(repeating: request, count: 2048).joined())
            let limit = 64 * 1024 * 1024
            let isStopped = Atomic<Bool>(false)
            async let sender: Void = blocking {
                _ = client.sendRepeatedly(batch, upTo: limit, until: { isStopped.load(ordering: .acquiring) })
            }

            _ = await waitUntil(deadline: .now + .seconds(60)) { (try? await server.openConnectionsForTesting().first) != nil }
            let connection = try #require(try await server.openConnectionsForTesting().first)
            // Polled until the connection has read all it will: its count unchanged for a while,
            // or past the bound already (a failure, seen at once).
            var snapshot = try await connection.outputSnapshot()
            var unchangedPolls = 0
            let deadline = ContinuousClock.now + .seconds(120)
            while unchangedPolls < 100, snapshot.inboundCount <= Self.readAheadLimit, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(2))
                let next = try await connection.outputSnapshot()
                unchangedPolls = next.receivedByteCount == snapshot.receivedByteCount ? unchangedPolls + 1 : 0
                snapshot = next
            }
            #expect(snapshot.inboundCount <= Self.readAheadLimit)
            // The test means something only if the buffer did fill towards the bound.
            #expect(snapshot.inboundCount >= Self.readAheadLimit / 2)
            #expect(!snapshot.isInputPausedForOutput)
            isStopped.store(true, ordering: .releasing)
            try await sender
            release.fire()
            let first = try await blocking { try client.readResponse(timeout: .seconds(60)) }
            #expect(first?.status == 200)
        }
    }
}
