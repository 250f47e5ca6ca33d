import Synchronization
import Testing
@testable import HTTPEngine

@Suite("Response output memory bound")
struct ResponseOutputMemoryBoundTests {
    /// The documented high-water mark for unsent output.
    static let highWaterMark = HTTPServerConfiguration().outputHighWaterMark
    /// More than any one response of these tests' small handler, head included.
    static let oneSmallResponse = 1024
    /// The most a buffer may hold beyond its unsent bytes: one partly sent chunk
    /// (body bytes fill chunks up to `chunkCapacity`; a head may add its own length).
    static let oneChunk = OutboundBuffer.chunkCapacity + 1024

    /// Every way a handler answers: through its task, on the spot while input is parsed, and
    /// later through a responder (a reverse proxy's way for every request it forwards).
    enum Answering: CaseIterable, Sendable {
        case byTheHandlerTask, onTheSpot, laterThroughAResponder

        var handler: any HTTPHandler {
            switch self {
            case .byTheHandlerTask: okHandler
            case .onTheSpot: ImmediateOKHandler()
            case .laterThroughAResponder: LaterOKHandler()
            }
        }
    }

    /// Answers "ok" from the loop on a later turn, as an upstream's answer comes.
    struct LaterOKHandler: HTTPHandler {
        func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
            Issue.record("the answer was to come through the responder")
            return HTTPResponse(status: .internalServerError)
        }

        func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool {
            _ = responder.eventLoop.execute { responder.respond(HTTPResponse(status: .ok, body: .init(string: "ok"))) }
            return true
        }
    }

    @Test(arguments: Answering.allCases)
    func pipelinedClientThatNeverReadsStopsBeingRead(answering: Answering) async throws {
        // The write time-out (30 s without progress) would close this connection, whose output
        // never drains, before a starved machine reached the pause (CI, under four other jobs,
        // read 130 KB in 141 s); the test is about the pause, so the time-out is out of its way.
        try await withTestServer(configure: { $0.writeTimeout = .seconds(600) }, handler: answering.handler) { server, port in
            // The client's kernel buffers stay at their defaults. With 4 KiB ones, a full parallel
            // run (other tests streaming megabytes, so TCP memory under pressure) twice stalled the
            // connection at 130,048 bytes: the tiny receive buffer dropped the server's segments
            // inside the advertised window, and the retransmissions backed off for minutes. A
            // full default buffer advertises a zero window instead, which is the plain case here.
            let client = try RawClient(port: port)
            let request = Array("GET /p HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
            let batch = Array(Array(repeating: request, count: 2048).joined())
            // Far more than socket buffers hold, so a sender that cannot finish means the server stopped reading.
            let limit = 256 * 1024 * 1024
            let isStopped = Atomic<Bool>(false)
            let sentBytes = Atomic<Int>(0)
            async let sender: Void = blocking {
                _ = client.sendRepeatedly(batch, upTo: limit, until: { isStopped.load(ordering: .acquiring) }) { sentBytes.store($0, ordering: .releasing) }
            }

            // The server may not have accepted yet (a ThreadSanitizer build on a loaded machine once had no connection here).
            _ = await waitUntil(deadline: .now + .seconds(60)) { (try? await server.openConnectionsForTesting().first) != nil }
            let connection = try #require(try await server.openConnectionsForTesting().first)
            // A small send buffer on the server side too: with loopback's default (autotuned to
            // megabytes) the kernel absorbed every answer, and in a full parallel run the client
            // sometimes stopped being able to send before the server's own buffer passed its mark.
            // Not the receive buffer: shrunk under the flood, it dropped the client's segments and
            // the connection stalled in retransmission back-off (130 KB in two minutes, twice in CI).
            try await connection.shrinkSendBufferForTesting(to: 4096)
            let bound = Self.highWaterMark + Self.oneSmallResponse
            var snapshot = try await connection.outputSnapshot()
            // An upper bound only: the pause normally comes within about a second, but the server
            // must first answer enough requests to fill the socket buffers, which takes a
            // ThreadSanitizer build on a loaded 2-core machine more than 30 s. Exceeding the
            // memory bound on the way still ends the wait at once and fails below.
            let deadline = ContinuousClock.now + .seconds(120)
            while !snapshot.isInputPausedForOutput, snapshot.peakUnsentCount <= bound, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(2))
                snapshot = try await connection.outputSnapshot()
            }
            #expect(snapshot.isInputPausedForOutput)
            let receivedWhenPaused = snapshot.receivedByteCount
            var hasStayedPaused = true
            for _ in 0..<100 {
                try await Task.sleep(for: .milliseconds(2))
                snapshot = try await connection.outputSnapshot()
                hasStayedPaused = hasStayedPaused && snapshot.isInputPausedForOutput
            }
            #expect(hasStayedPaused)
            #expect(snapshot.peakUnsentCount <= bound)
            #expect(snapshot.peakRetainedCount <= bound + Self.oneChunk)
            #expect(snapshot.inboundCount <= HTTPParserLimits().maxHeaderBytes + ServerConnection.readChunkSize)
            #expect(snapshot.receivedByteCount == receivedWhenPaused)
            #expect(sentBytes.load(ordering: .acquiring) < limit)
            isStopped.store(true, ordering: .releasing)
            try await sender

            // Reading resumes the connection: responses come in order.
            let first = try await blocking { try client.readResponse(timeout: .seconds(60)) }
            #expect(first?.status == 200)
            #expect(first?.bodyText == "ok")
        }
    }

    @Test(arguments: [0, 4096])
    func requestsPipelinedWhileOutputIsBackedUpAreAllAnsweredInOrder(outputHighWaterMark: Int) async throws {
        let count = 1000
        let handler = HTTPClosureHandler { request in HTTPResponse(body: .init(string: request.path)) }
        try await withTestServer(configure: { $0.outputHighWaterMark = outputHighWaterMark }, handler: handler) { _, port in
            let client = try RawClient(port: port, socketBufferSize: 4096)
            // About 30 KB: the server's socket takes it all while the connection is paused, so
            // every request is sent, then the sending side closed, before the client reads a byte.
            let requests = (0..<count).map { "GET /\($0) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined()
            let answers = try await blocking {
                client.send(requests)
                client.finishSending()
                var paths: [String] = []
                while let response = try client.readResponse(timeout: .seconds(60)) {
                    paths.append(response.status == 200 ? response.bodyText : "status \(response.status)")
                }
                return paths
            }
            #expect(answers == (0..<count).map { "/\($0)" })
        }
    }

    @Test(arguments: [48 * 1024 * 1024, nil] as [Int?])
    func streamedResponseToSlowReaderKeepsOnlyUnsentBytesBuffered(contentLength: Int?) async throws {
        let total = 48 * 1024 * 1024
        let blockSize = 64 * 1024
        let handler = HTTPClosureHandler { request in
            guard request.path == "/stream" else { return HTTPResponse(body: .init(string: "ok")) }
            return HTTPResponse(body: .stream(contentLength: contentLength) { writer in
                for index in 0..<total / blockSize { try await writer.write(Self.block(index, size: blockSize)) }
            })
        }
        try await withTestServer(handler: handler) { server, port in
            let client = try RawClient(port: port, socketBufferSize: 4096)
            client.send("GET /warm HTTP/1.1\r\nHost: t\r\n\r\n")
            let warm = try await blocking { try client.readResponse() }
            #expect(warm?.status == 200)
            let connection = try #require(try await server.openConnectionsForTesting().first)
            try await connection.shrinkSocketBuffersForTesting(to: 4096)

            client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
            // A guard against a hang, not a speed check: 48 MiB through 4 KiB socket buffers takes
            // ~5 s normally, and under ThreadSanitizer on the loaded 2-core CI machine 25-60 s per
            // case, once over the 120 s this guard had (CI of dea2e73, 2026-12-03).
            let response = try await blocking { try client.readResponse(timeout: .seconds(300)) }
            #expect(response?.status == 200)
            #expect(response?.body.count == total)
            // Bytes sent twice, skipped or reordered across queued chunks break the pattern.
            var expected: [UInt8] = []
            expected.reserveCapacity(total)
            for index in 0..<total / blockSize { expected += Self.block(index, size: blockSize) }
            #expect(response?.body == expected)

            let snapshot = try await connection.outputSnapshot()
            #expect(snapshot.peakUnsentCount <= Self.highWaterMark + blockSize + Self.oneSmallResponse)
            #expect(snapshot.peakRetainedCount <= Self.highWaterMark + blockSize + Self.oneSmallResponse + Self.oneChunk)
        }
    }

    @Test func largeInMemoryResponseIsSentIntactAndReleasedChunkByChunk() async throws {
        let size = 8 * 1024 * 1024
        var body: [UInt8] = []
        body.reserveCapacity(size)
        for index in 0..<size / (64 * 1024) { body += Self.block(index, size: 64 * 1024) }
        let handler = HTTPClosureHandler { [body] request in
            HTTPResponse(body: .init(bytes: request.path == "/large" ? body : Array("ok".utf8)))
        }
        try await withTestServer(handler: handler) { server, port in
            let client = try RawClient(port: port, socketBufferSize: 4096)
            client.send("GET /warm HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try await blocking { try client.readResponse() }
            let connection = try #require(try await server.openConnectionsForTesting().first)
            try await connection.shrinkSocketBuffersForTesting(to: 4096)

            client.send("GET /large HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try await blocking { try client.readResponse(timeout: .seconds(60)) }
            #expect(response?.body == body)
            // The whole body is queued at once (it is in memory anyway), but sent chunks go:
            // at most one chunk of sent bytes is held besides the unsent ones.
            let snapshot = try await connection.outputSnapshot()
            #expect(snapshot.peakRetainedCount <= size + Self.oneChunk)
            #expect(snapshot.unsentCount == 0)
        }
    }

    /// Block `index` of a streamed body: byte `i` of the whole body is `i % 251`, so a block
    /// sent twice, skipped or cut short shifts every later byte (64 KiB is not a multiple of 251).
    static func block(_ index: Int, size: Int) -> [UInt8] {
        let start = (index * size) % 251
        return Array(pattern[start..<start + size])
    }

    /// 0, 1, ... 250, 0, 1, ... long enough for any 64 KiB block's start; built once (debug builds loop slowly).
    static let pattern: [UInt8] = (0..<(64 * 1024 + 251)).map { UInt8($0 % 251) }
}
