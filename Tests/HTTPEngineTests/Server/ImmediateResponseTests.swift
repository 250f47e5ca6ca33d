import Synchronization
import Testing
import TestSupport
@testable import HTTPEngine

/// Answers made on the spot (`HTTPHandler.respondImmediately`): sent without the handler task,
/// in order, with the exchange rules of answers made by `handle`.
@Suite struct ImmediateResponseTests {
    /// `/slow` waits in `handle` for `release`; `/stream` is streamed; the rest is answered on the spot.
    final class MixedHandler: HTTPHandler {
        let release = TestSignal()
        let handleCalls = Locked<[String]>([])

        func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
            handleCalls.withLock { $0.append(request.path) }
            if request.path == "/slow" { await release.wait() }
            return HTTPResponse(status: .ok, body: .init(string: "handled \(request.path)"))
        }

        func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
            switch request.path {
            case "/slow":
                nil
            case "/stream":
                HTTPResponse(status: .ok, body: .stream { writer in
                    for part in ["one ", "two ", "three"] { try await writer.write(part) }
                })
            default:
                HTTPResponse(status: .ok, body: .init(string: "spot \(request.path)"))
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrderWithoutCallingHandle() async throws {
        let handler = ImmediateOKHandler()
        try await withTestServer(handler: handler) { _, port in
            let client = try RawClient(port: port)
            // Enough that answering each inside the parse loop would overflow the stack if every
            // answer's end of exchange re-entered the loop instead of returning to it.
            client.send(String(repeating: "GET /a HTTP/1.1\r\nHost: t\r\n\r\n", count: 5000) + "GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let responses = try await blocking { try client.readResponsesUntilClose() }
            #expect(responses.count == 5001)
            #expect(responses.allSatisfy { $0.status == 200 && $0.bodyText == "ok" })
            #expect(responses.last?.headers["connection"] == "close")
        }
        #expect(handler.handleCalls.load(ordering: .relaxed) == 0)
        #expect(handler.immediateCalls.load(ordering: .relaxed) == 5001)
    }

    @Test func requestsPipelinedBehindASlowOneBeforeAHalfCloseAreAllAnswered() async throws {
        let handler = MixedHandler()
        try await withTestServer(handler: handler) { server, port in
            let client = try RawClient(port: port)
            client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /x HTTP/1.1\r\nHost: t\r\n\r\nGET /y HTTP/1.1\r\nHost: t\r\n\r\n")
            client.finishSending()
            // The server has seen the end of input while `/slow` is still being handled, so the
            // answers on the spot that follow must not take it for an idle connection's end.
            _ = await waitUntil(deadline: .now + .seconds(60)) { (try? await server.openConnectionsForTesting().first) != nil }
            let connection = try #require(try await server.openConnectionsForTesting().first)
            #expect(await waitUntil(deadline: .now + .seconds(60)) { (try? await connection.outputSnapshot().hasPeerClosedInput) == true })
            handler.release.fire()
            let bodies = try await blocking { try client.readResponsesUntilClose().map(\.bodyText) }
            #expect(bodies == ["handled /slow", "spot /x", "spot /y"])
        }
        #expect(handler.handleCalls.withLock { $0 } == ["/slow"])
    }

    @Test func streamedAnswerMadeOnTheSpotIsProducedAndTheConnectionKept() async throws {
        let handler = MixedHandler()
        try await withTestServer(handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\n\r\n")
            let (streamed, after) = try await blocking { () throws -> (TestResponse?, TestResponse?) in
                (try client.readResponse(), try client.readResponse())
            }
            #expect(streamed?.headers["transfer-encoding"] == "chunked")
            #expect(streamed?.bodyText == "one two three")
            #expect(after?.bodyText == "spot /after")
        }
        #expect(handler.handleCalls.withLock { $0 }.isEmpty)
    }

    @Test func requestWithABodyGoesToHandleSoAMalformedBodyIsAnswered400() async throws {
        let handler = ImmediateOKHandler()
        try await withTestServer(handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello worldGET /next HTTP/1.1\r\nHost: t\r\n\r\n")
            let (first, second) = try await blocking { () throws -> (TestResponse?, TestResponse?) in
                (try client.readResponse(), try client.readResponse())
            }
            #expect(first?.bodyText == "ok" && first?.headers["connection"] == nil)
            #expect(second?.bodyText == "ok")
            let malformed = try RawClient(port: port)
            malformed.send("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            #expect(try await blocking { try malformed.readResponse()?.status } == 400)
        }
        // The two requests with a body were handled by the task; only the GET was asked on the spot.
        #expect(handler.handleCalls.load(ordering: .relaxed) == 2)
        #expect(handler.immediateCalls.load(ordering: .relaxed) == 1)
    }

    @Test func whatTheSpotPathLeavesInTheRequestReachesHandle() async throws {
        /// Decides on the spot, answers only refusals there, and leaves the decision for `handle`.
        final class DecidingHandler: HTTPHandler {
            let decisions = Atomic<Int>(0)

            func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
                HTTPResponse(status: .ok, body: .init(string: request.context?[VerdictKey.self] ?? "undecided"))
            }

            func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
                decisions.add(1, ordering: .relaxed)
                guard request.path != "/refused" else { return HTTPResponse(status: .tooManyRequests) }
                request.context = HTTPRequestContext()
                request.context?[VerdictKey.self] = "admitted on the spot"
                return nil
            }
        }
        let handler = DecidingHandler()
        try await withTestServer(handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /admitted HTTP/1.1\r\nHost: t\r\n\r\nGET /refused HTTP/1.1\r\nHost: t\r\n\r\n")
            let (admitted, refused) = try await blocking { () throws -> (TestResponse?, TestResponse?) in
                (try client.readResponse(), try client.readResponse())
            }
            #expect(admitted?.bodyText == "admitted on the spot")
            #expect(refused?.status == 429)
        }
        #expect(handler.decisions.load(ordering: .relaxed) == 2)
    }

    @Test func headRequestAnsweredOnTheSpotGetsTheLengthWithoutTheBody() async throws {
        try await withTestServer(handler: ImmediateOKHandler()) { _, port in
            let client = try RawClient(port: port)
            client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let (head, get) = try await blocking { () throws -> (TestResponse?, TestResponse?) in
                (try client.readResponse(isHeadRequest: true), try client.readResponse())
            }
            #expect(head?.headers["content-length"] == "2")
            #expect(head?.body.isEmpty == true)
            #expect(get?.bodyText == "ok")
        }
    }

    @Test func observerHearsRequestsAnsweredOnTheSpot() async throws {
        let observer = RecordingObserver()
        try await withTestServer(configure: { $0.observer = observer }, handler: ImmediateOKHandler()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /one HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            try await blocking { () throws in
                #expect(try client.readResponse()?.status == 200)
                #expect(client.waitForClose())
            }
            #expect(await waitUntil(deadline: .now + .seconds(60)) { observer.recorded.contains("closed") })
        }
        #expect(observer.recorded == ["opened", "finished /one 200", "closed"])
    }
}
