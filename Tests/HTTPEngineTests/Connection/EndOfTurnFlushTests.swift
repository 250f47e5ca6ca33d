import Glibc
import Synchronization
import Testing
@testable import HTTPEngine

/// Complete responses and upstream requests with their whole body wait for the end of the turn
/// that queued them and then go out together (`ConnectionCore.scheduleFlush(on:for:)`), where
/// each used to be sent the moment it was queued.
///
/// Both tests look at the receiving socket from inside the turn with a non-blocking peek: sent
/// on loopback, bytes are in the receiver's queue when `send` returns, so a message sent at once
/// would be seen there.
@Suite struct EndOfTurnFlushTests {
    /// Answers on the spot and notes, for each request, how many response bytes had already
    /// reached the client when it was answered.
    final class PeekingHandler: HTTPHandler {
        let client = Atomic<Int32>(-1)
        let bytesAtClient = Locked<[Int]>([])

        func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
            HTTPResponse(status: .ok, body: .init(string: "ok"))
        }

        func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
            let waiting = bytesWaiting(on: client.load(ordering: .acquiring))
            bytesAtClient.withLock { $0.append(waiting) }
            return HTTPResponse(status: .ok, body: .init(string: "ok"))
        }
    }

    @Test func answersToRequestsPipelinedInOneTurnAreSentTogetherAtItsEnd() async throws {
        let handler = PeekingHandler()
        try await withTestServer(handler: handler) { _, port in
            let client = try RawClient(port: port)
            handler.client.store(client.descriptor, ordering: .releasing)
            // One send of 230 bytes: one read takes all eight, so they are answered in one turn.
            client.send(String(repeating: "GET / HTTP/1.1\r\nHost: t\r\n\r\n", count: 7) + "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let responses = try await blocking { try client.readResponsesUntilClose() }
            #expect(responses.count == 8)
            #expect(responses.allSatisfy { $0.status == 200 && $0.bodyText == "ok" })
        }
        // Sent as each was made, the first answer was already at the client when the second
        // request was answered.
        #expect(handler.bytesAtClient.withLock { $0 } == Array(repeating: 0, count: 8))
    }

    @Test func aRequestStartedOnAPooledConnectionReachesTheUpstreamAtTheEndOfTheTurn() async throws {
        let upstreamSocket = Atomic<Int32>(-1)
        let release = ThreadGate()
        // Answers the first request, then stops reading until `release` opens, so what the
        // client sends next stays in the socket for the test to peek at.
        let script: @Sendable (UpstreamConnection) throws -> Void = { connection in
            guard try connection.readRequest() != nil else { return }
            upstreamSocket.store(connection.descriptor, ordering: .releasing)
            connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            guard release.wait() else { return }
            try answerEveryRequest(connection)
        }
        try await withScriptedUpstream(script: script) { upstream in
            try await withClient { client in
                let loop = client.eventLoopGroup.loops[0]
                let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                let (_, first) = try await ClientTests.ClientStartTests.start(request, with: client, on: loop)
                #expect(await waitUntil(deadline: .now + .seconds(60)) { first.callCount == 1 })
                #expect(try await #require(first.response).body.collect(upTo: 16) == Array("ok".utf8))

                let second = ClientTests.ClientStartTests.Outcome()
                let seenInTheTurn = try await loop.perform { () -> Int in
                    _ = client.start(request) { result in
                        second.result.withLock { $0 = result }
                        second.calls.add(1, ordering: .relaxed)
                    }
                    return bytesWaiting(on: upstreamSocket.load(ordering: .acquiring))
                }
                #expect(seenInTheTurn == 0)
                #expect(await waitUntil(deadline: .now + .seconds(60)) { bytesWaiting(on: upstreamSocket.load(ordering: .acquiring)) > 0 })
                release.open()
                #expect(await waitUntil(deadline: .now + .seconds(60)) { second.callCount == 1 })
                #expect(second.response?.status.code == 200)
                #expect(upstream.acceptCount == 1)
            }
        }
    }
}

/// Bytes queued for reading on `descriptor`, without taking them (0 when none or on errors).
private func bytesWaiting(on descriptor: Int32) -> Int {
    var buffer = [UInt8](repeating: 0, count: 4096)
    let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_PEEK | MSG_DONTWAIT)) }
    return max(count, 0)
}
