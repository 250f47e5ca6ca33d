import Glibc
import Testing
import TestSupport
@testable import HTTPEngine

/// A client that goes away cancels the handler working for it; a client that half-closes
/// after pipelining still gets every buffered request answered.
@Suite("Client disconnects")
struct ClientDisconnectTests {
    /// How long a wait for what should happen at once may take: a starved ThreadSanitizer run
    /// took more than 10 s for a handler to start.
    static let patience = Duration.seconds(60)

    /// What a handler saw when its wait ended.
    final class HandlerObservation: Sendable {
        let state = Locked<(isStarted: Bool, ending: String?)>((false, nil))
        func started() { state.withLock { $0.isStarted = true } }
        func ended(_ ending: String) { state.withLock { $0.ending = ending } }
        var isStarted: Bool { state.withLock { $0.isStarted } }
        var ending: String? { state.withLock { $0.ending } }
    }

    static func describe(_ error: any Error) -> String {
        error is CancellationError ? "cancelled" : "error: \(error)"
    }

    @Test func handlerWaitingLongIsCancelledWhenTheClientCloses() async throws {
        let observation = HandlerObservation()
        let handler = HTTPClosureHandler { _ in
            observation.started()
            do {
                try await Task.sleep(for: .seconds(60))
                observation.ended("slept")
            } catch {
                observation.ended(Self.describe(error))
            }
            return HTTPResponse(body: .init(string: "late"))
        }
        try await withTestServer(handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await waitUntil(deadline: .now + Self.patience) { observation.isStarted })
            shutdown(client.descriptor, Int32(SHUT_RDWR))
            #expect(await waitUntil(deadline: .now + Self.patience) { observation.ending != nil })
            #expect(observation.ending == "cancelled")
        }
    }

    @Test func handlerWaitingForABodyIsCancelledWhenTheClientCloses() async throws {
        let observation = HandlerObservation()
        let handler = HTTPClosureHandler { request in
            observation.started()
            do {
                _ = try await request.body.collect(upTo: 1024)
                observation.ended("read")
            } catch {
                // The read ends with the truncation error; the task is cancelled as well.
                observation.ended(Task.isCancelled ? "cancelled" : Self.describe(error))
            }
            return HTTPResponse(body: .init(string: "late"))
        }
        try await withTestServer(handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc")
            #expect(await waitUntil(deadline: .now + Self.patience) { observation.isStarted })
            shutdown(client.descriptor, Int32(SHUT_RDWR))
            #expect(await waitUntil(deadline: .now + Self.patience) { observation.ending != nil })
            #expect(observation.ending == "cancelled")
        }
    }

    @Test func handlerIsCancelledWhenAStalledUploadTimesOut() async throws {
        let observation = HandlerObservation()
        let handler = HTTPClosureHandler { _ in
            observation.started()
            do {
                try await Task.sleep(for: .seconds(60))
                observation.ended("slept")
            } catch {
                observation.ended(Self.describe(error))
            }
            return HTTPResponse(body: .init(string: "late"))
        }
        try await withTestServer(configure: { $0.idleTimeout = .milliseconds(300) }, handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc")
            #expect(await waitUntil(deadline: .now + Self.patience) { observation.ending != nil })
            #expect(observation.ending == "cancelled")
            let response = try await blocking { try client.readResponse() }
            #expect(response?.status == 408)
        }
    }

    /// Three requests and the end of input arrive together; the first handler waits until
    /// the server has seen the end, then all three are answered in order.
    @Test func pipelinedRequestsBeforeHalfCloseAreAllAnswered() async throws {
        let release = TestSignal()
        let firstObservation = HandlerObservation()
        let handler = HTTPClosureHandler { request in
            if request.path == "/1" {
                firstObservation.started()
                await release.wait()
                firstObservation.ended(Task.isCancelled ? "cancelled" : "answered")
            }
            return HTTPResponse(body: .init(string: request.path))
        }
        try await withTestServer(handler: handler) { server, port in
            let client = try RawClient(port: port)
            client.send((1...3).map { "GET /\($0) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined())
            client.finishSending()
            #expect(await waitUntil(deadline: .now + Self.patience) {
                let connections = (try? await server.openConnectionsForTesting()) ?? []
                guard let connection = connections.first else { return false }
                return (try? await connection.loop.perform { connection.hasPeerClosedInput }) == true
            })
            release.fire()
            let responses = try await blocking {
                var responses: [TestResponse] = []
                while let response = try client.readResponse(timeout: Self.patience) { responses.append(response) }
                return responses
            }
            #expect(responses.map(\.bodyText) == ["/1", "/2", "/3"])
            // Only the last answer announces the close.
            #expect(responses.map { $0.headers["connection"] } == [nil, nil, "close"])
            #expect(firstObservation.ending == "answered")
        }
    }

    @Test func handlerErrorsThatAreNotHTTPErrorsAreReported() async throws {
        struct UpstreamBroke: Error {}
        let reports = Locked<[String]>([])
        let handler = HTTPClosureHandler { _ in throw UpstreamBroke() }
        try await withTestServer(configure: { configuration in
            configuration.onHandlerError = { error, head in
                reports.withLock { $0.append("\(head.method.rawValue) \(head.path) \(error is UpstreamBroke)") }
            }
        }, handler: handler) { _, port in
            let response = try await blocking {
                let client = try RawClient(port: port)
                client.send("GET /fails HTTP/1.1\r\nHost: t\r\n\r\n")
                return try client.readResponse()
            }
            #expect(response?.status == 500)
        }
        #expect(reports.withLock { $0 } == ["GET /fails true"])
    }

    @Test func httpErrorsAreAnswersNotReports() async throws {
        let reports = Locked<Int>(0)
        let handler = HTTPClosureHandler { _ in throw HTTPError(.tooManyRequests) }
        try await withTestServer(configure: { configuration in
            configuration.onHandlerError = { _, _ in reports.withLock { $0 += 1 } }
        }, handler: handler) { _, port in
            let response = try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                return try client.readResponse()
            }
            #expect(response?.status == 429)
        }
        #expect(reports.withLock { $0 } == 0)
    }
}
