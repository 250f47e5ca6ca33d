import Foundation
import Synchronization
import Testing
@testable import HTTPEngine

/// Answers given later through an `HTTPResponder` (`HTTPHandler.respondLater`): sent in order
/// without the handler task, with the exchange rules of answers made by `handle`.
@Suite struct DeferredAnswerTests {
    /// Answers `/later…` from the loop on a later turn, `/thread…` from another thread, `/stream`
    /// later with a streamed body, `/keep` never (it keeps the responder); the rest goes to `handle`.
    final class LaterHandler: HTTPHandler {
        // `Locked`, not `Mutex`: the loop writes and the test reads, and a contended `Mutex`
        // hands over in the kernel where ThreadSanitizer cannot see it (a false race in CI).
        let handleCalls = Locked<[String]>([])
        let offered = Atomic<Int>(0)
        let kept = Locked<[HTTPResponder]>([])
        let cancellations = Atomic<Int>(0)

        func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
            handleCalls.withLock { $0.append(request.path) }
            return HTTPResponse(status: .ok, body: .init(string: "handled \(request.path)"))
        }

        func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool {
            offered.add(1, ordering: .relaxed)
            let path = request.path
            if path.hasPrefix("/later") {
                // A later turn of the loop, as an upstream's answer would come.
                _ = responder.eventLoop.execute { responder.respond(HTTPResponse(status: .ok, body: .init(string: "later \(path)"))) }
            } else if path.hasPrefix("/thread") {
                DispatchQueue.global().async { responder.respond(HTTPResponse(status: .ok, body: .init(string: "thread \(path)"))) }
            } else if path == "/stream" {
                _ = responder.eventLoop.execute {
                    responder.respond(HTTPResponse(status: .ok, body: .stream { writer in
                        for part in ["one ", "two ", "three"] { try await writer.write(part) }
                    }))
                }
            } else if path == "/keep" {
                responder.onCancel { [self] in cancellations.add(1, ordering: .relaxed) }
                kept.withLock { $0.append(responder) }
            } else {
                return false
            }
            return true
        }
    }

    @Test func pipelinedAnswersGivenLaterArriveInOrderWithoutCallingHandle() async throws {
        let handler = LaterHandler()
        try await withTestServer(handler: handler) { _, port in
            let client = try RawClient(port: port)
            var text = ""
            for number in 0..<300 { text += "GET /\(number % 2 == 0 ? "later" : "thread")\(number) HTTP/1.1\r\nHost: t\r\n\r\n" }
            client.send(text + "GET /later-last HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let responses = try await blocking { try client.readResponsesUntilClose() }
            #expect(responses.count == 301)
            let expected = (0..<300).map { "\($0 % 2 == 0 ? "later" : "thread") /\($0 % 2 == 0 ? "later" : "thread")\($0)" } + ["later /later-last"]
            #expect(responses.map(\.bodyText) == expected)
            #expect(responses.last?.headers["connection"] == "close")
        }
        #expect(handler.handleCalls.withLock { $0 }.isEmpty)
    }

    @Test func declinedRequestsAndRequestsWithABodyGoToHandle() async throws {
        let handler = LaterHandler()
        try await withTestServer(handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /other HTTP/1.1\r\nHost: t\r\n\r\nPOST /later HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhiGET /later1 HTTP/1.1\r\nHost: t\r\n\r\n")
            let responses = try await blocking { try (0..<3).map { _ in try client.readResponse() } }
            #expect(responses.map { $0?.bodyText } == ["handled /other", "handled /later", "later /later1"])
        }
        #expect(handler.handleCalls.withLock { $0 } == ["/other", "/later"])
        // Offered: /other (declined) and /later1; the POST never was.
        #expect(handler.offered.load(ordering: .relaxed) == 2)
    }

    @Test func streamedAnswerGivenLaterIsSentWhole() async throws {
        try await withTestServer(handler: LaterHandler()) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\nGET /later2 HTTP/1.1\r\nHost: t\r\n\r\n")
            let responses = try await blocking { try (0..<2).map { _ in try client.readResponse() } }
            #expect(responses.map { $0?.bodyText } == ["one two three", "later /later2"])
            #expect(responses.first??.headers["transfer-encoding"] == "chunked")
        }
    }

    @Test func clientLeavingBeforeTheAnswerRunsTheCancellationAndALateAnswerIsDropped() async throws {
        let handler = LaterHandler()
        try await withTestServer(handler: handler) { server, port in
            let client = try RawClient(port: port)
            client.send("GET /keep HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await waitUntil(deadline: .now + .seconds(60)) { handler.kept.withLock { $0.count } == 1 })
            shutdown(client.descriptor, Int32(SHUT_RDWR))
            #expect(await waitUntil(deadline: .now + .seconds(60)) { handler.cancellations.load(ordering: .relaxed) == 1 })
            #expect(await waitUntil(deadline: .now + .seconds(60)) { server.connectionCount == 0 })
            // Too late: nobody is waiting for it, and nothing breaks.
            handler.kept.withLock { $0[0] }.respond(HTTPResponse(status: .ok))
            let next = try RawClient(port: port)
            next.send("GET /later3 HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try await blocking { try next.readResponse() }
            #expect(response?.bodyText == "later /later3")
        }
        #expect(handler.cancellations.load(ordering: .relaxed) == 1)
    }

    @Test func clientLeavingBeforeTheAnswerIsNotReportedAsAHandlerError() async throws {
        // As with a cancelled `handle`: a disconnect is not news, and a proxy's log would
        // otherwise get a line for every client that gave up waiting.
        let handler = LaterHandler()
        let reports = Locked<[String]>([])
        try await withTestServer(configure: { configuration in
            configuration.onHandlerError = { error, head in reports.withLock { $0.append("\(head.path) \(error)") } }
        }, handler: handler) { server, port in
            let leaving = try RawClient(port: port)
            leaving.send("GET /keep HTTP/1.1\r\nHost: t\r\n\r\n")
            let halfClosing = try RawClient(port: port)
            halfClosing.send("GET /keep HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await waitUntil(deadline: .now + .seconds(60)) { handler.kept.withLock { $0.count } == 2 })
            shutdown(leaving.descriptor, Int32(SHUT_RDWR))
            halfClosing.finishSending()
            let response = try await blocking { try halfClosing.readResponse() }
            #expect(response?.status == 500)
            #expect(await waitUntil(deadline: .now + .seconds(60)) { server.connectionCount == 0 })
        }
        #expect(handler.cancellations.load(ordering: .relaxed) == 2)
        #expect(reports.withLock { $0 } == [])
    }

    @Test func clientThatHalfClosesWhileWaitingGetsTheEmpty500OfACancelledHandle() async throws {
        let handler = LaterHandler()
        try await withTestServer(handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /keep HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await waitUntil(deadline: .now + .seconds(60)) { handler.kept.withLock { $0.count } == 1 })
            client.finishSending()
            let response = try await blocking { try client.readResponse() }
            #expect(response?.status == 500)
            #expect(response?.headers["connection"] == "close")
            #expect(handler.cancellations.load(ordering: .relaxed) == 1)
            #expect(client.waitForClose())
        }
    }

    @Test func middlewareStepsApplyInnermostFirstAndTheObserverHearsTheAnswer() async throws {
        struct Stamp: HTTPMiddleware {
            let name: String
            func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
                try await next.handle(request)
            }
            func respondLater(to request: HTTPRequest, with responder: HTTPResponder, next: any HTTPHandler) -> Bool {
                next.respondLater(to: request, with: responder.mappingResponse { [name] response in
                    var response = response
                    response.headers.add(name: "X-Stamp", value: name)
                    return response
                })
            }
        }
        let observer = RecordingObserver()
        let chain = MiddlewareChain([Stamp(name: "outer"), Stamp(name: "inner")], handler: LaterHandler())
        try await withTestServer(configure: { $0.observer = observer }, handler: chain) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /later4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let response = try await blocking { try client.readResponse() }
            #expect(response?.bodyText == "later /later4")
            #expect(response?.headers.values(name: "x-stamp") == ["inner", "outer"])
            #expect(await waitUntil(deadline: .now + .seconds(60)) { observer.recorded.contains("closed") })
        }
        #expect(observer.recorded == ["opened", "finished /later4 200", "closed"])
    }

    @Test func answeringAndThenDecliningStopsTheProcess() async {
        let exit = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            struct AnswersAndDeclines: HTTPHandler {
                func handle(_ request: HTTPRequest) async throws -> HTTPResponse { HTTPResponse(status: .ok) }
                func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool {
                    responder.respond(HTTPResponse(status: .ok))
                    return false
                }
            }
            try await withTestServer(handler: AnswersAndDeclines()) { _, port in
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                _ = try await blocking { try client.readResponse() }
                _ = try await blocking { try client.readResponse() }
            }
        }
        let standardError = String(decoding: exit?.standardErrorContent ?? [], as: UTF8.self)
        #expect(standardError.contains("respondLater answered the request and then returned false"))
    }

    @Test func answeringOneRequestTwiceStopsTheProcess() async {
        let exit = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let handler = HTTPClosureHandler { _ in HTTPResponse(status: .ok) }
            struct Twice: HTTPMiddleware {
                func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse { try await next.handle(request) }
                func respondLater(to request: HTTPRequest, with responder: HTTPResponder, next: any HTTPHandler) -> Bool {
                    responder.respond(HTTPResponse(status: .ok))
                    responder.respond(HTTPResponse(status: .ok))
                    return true
                }
            }
            try await withTestServer(handler: handler.wrapped(in: Twice())) { _, port in
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                _ = try await blocking { try client.readResponse() }
                _ = try await blocking { try client.readResponse() }
            }
        }
        let standardError = String(decoding: exit?.standardErrorContent ?? [], as: UTF8.self)
        #expect(standardError.contains("HTTPResponder.respond was called twice for one request"))
    }
}
