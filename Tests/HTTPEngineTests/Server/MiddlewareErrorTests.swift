import Testing
@testable import HTTPEngine

@Suite("Thrown errors inside middleware")
struct MiddlewareErrorTests {
    /// Adds `x-stamped-by` (one value per middleware) and records the status it saw from `next`.
    struct Stamp: HTTPMiddleware {
        let name: String
        let seen: SeenStatuses

        func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
            var response = try await next.handle(request)
            seen.record("\(name) \(response.status.code)")
            response.headers.add(name: "x-stamped-by", value: name)
            return response
        }
    }

    /// Refuses every request by throwing, like an authentication check.
    struct Refuse: HTTPMiddleware {
        func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
            throw HTTPError(.unauthorized, message: "who are you")
        }
    }

    struct UpstreamBroke: Error {}

    @Test func middlewareStampsTheAnswerToAThrownHTTPErrorWhichIsNotReported() async throws {
        let seen = SeenStatuses()
        let reports = Locked(0)
        let handler = HTTPClosureHandler { _ in throw HTTPError(.forbidden, message: "not yours") }
        try await withTestServer(configure: { configuration in
            configuration.onHandlerError = { _, _ in reports.withLock { $0 += 1 } }
        }, handler: handler.wrapped(in: Stamp(name: "limiter", seen: seen))) { _, port in
            let response = try #require(try await blocking {
                let client = try RawClient(port: port)
                client.send("GET /secret HTTP/1.1\r\nHost: t\r\n\r\n")
                return try client.readResponse()
            })
            #expect(response.status == 403)
            #expect(response.bodyText == "not yours")
            #expect(response.headers["x-stamped-by"] == "limiter")
        }
        #expect(seen.all == ["limiter 403"])
        #expect(reports.withLock { $0 } == 0)
    }

    @Test func everyMiddlewareStampsTheAnswerToAPlainErrorWhichIsReportedOnce() async throws {
        let seen = SeenStatuses()
        let reports = Locked<[String]>([])
        let handler = HTTPClosureHandler { _ in throw UpstreamBroke() }
        let chain = handler
            .wrapped(in: Stamp(name: "inner", seen: seen))
            .wrapped(in: Stamp(name: "outer", seen: seen))
        try await withTestServer(configure: { configuration in
            configuration.onHandlerError = { error, head in
                reports.withLock { $0.append("\(head.method.rawValue) \(head.path) \(error is UpstreamBroke)") }
            }
        }, handler: chain) { _, port in
            let response = try #require(try await blocking {
                let client = try RawClient(port: port)
                client.send("GET /fails HTTP/1.1\r\nHost: t\r\n\r\n")
                return try client.readResponse()
            })
            #expect(response.status == 500)
            #expect(response.headers.values(name: "x-stamped-by") == ["inner", "outer"])
        }
        #expect(seen.all == ["inner 500", "outer 500"])
        #expect(reports.withLock { $0 } == ["GET /fails true"])
    }

    @Test func aMiddlewareThatThrowsIsAnsweredWhereTheMiddlewareAroundItSeesIt() async throws {
        let seen = SeenStatuses()
        let chain = okHandler.wrapped(in: Refuse()).wrapped(in: Stamp(name: "outer", seen: seen))
        try await withTestServer(handler: chain) { _, port in
            let response = try #require(try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                return try client.readResponse()
            })
            #expect(response.status == 401)
            #expect(response.bodyText == "who are you")
            #expect(response.headers["x-stamped-by"] == "outer")
        }
        #expect(seen.all == ["outer 401"])
    }

    @Test func composedChainAnswersErrorsWithoutAServer() async throws {
        let seen = SeenStatuses()
        let handler = HTTPClosureHandler { _ in throw HTTPError(.notFound, message: "gone") }
        let request = HTTPRequest(
            head: HTTPRequestHead(method: .get, target: "/x", headers: HTTPHeaders()),
            remoteAddress: SocketAddress(host: "127.0.0.1", port: 40_000)!,
            localAddress: SocketAddress(host: "127.0.0.1", port: 8080)!
        )
        let response = try await handler.wrapped(in: Stamp(name: "only", seen: seen)).handle(request)
        #expect(response.status == .notFound)
        #expect(response.headers["x-stamped-by"] == "only")
    }
}

/// What the `Stamp` middlewares saw, in order; any thread.
final class SeenStatuses: Sendable {
    private let entries = Locked<[String]>([])

    func record(_ entry: String) { entries.withLock { $0.append(entry) } }
    var all: [String] { entries.withLock { $0 } }
}
