import Testing
import Dispatch
@testable import HTTPEngine

/// Appends its name to `X-Trace` on the way in, and to `X-Trace-Out` on the way out.
struct TracingMiddleware: HTTPMiddleware {
    let name: String

    func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
        var request = request
        request.headers["X-Trace"] = (request.headers["X-Trace"].map { $0 + "," } ?? "") + name
        var response = try await next.handle(request)
        response.headers["X-Trace-Out"] = (response.headers["X-Trace-Out"].map { $0 + "," } ?? "") + name
        return response
    }
}

/// Appends its name to `X-Trace-Out` on both paths: through `handle` and on the spot.
struct StampingMiddleware: HTTPMiddleware {
    let name: String

    func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
        stamped(try await next.handle(request))
    }

    func respondImmediately(to request: inout HTTPRequest, next: any HTTPHandler) -> HTTPResponse? {
        next.respondImmediately(to: &request).map(stamped)
    }

    private func stamped(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        response.headers["X-Trace-Out"] = (response.headers["X-Trace-Out"].map { $0 + "," } ?? "") + name
        return response
    }
}

/// A value an inner layer decides and an outer one reads.
enum VerdictKey: HTTPRequestContextKey {
    typealias Value = String
}

/// The middleware chain in execution order, and the context its layers share.
@Suite struct MiddlewareChainTests {
    let echoTrace = HTTPClosureHandler { request in
        var headers = HTTPHeaders()
        headers["X-Seen"] = request.headers["X-Trace"] ?? ""
        return HTTPResponse(headers: headers)
    }

    func request(headers: HTTPHeaders = HTTPHeaders()) -> HTTPRequest {
        var head = HTTPRequestHead(method: .get, target: "/", version: .http1_1)
        head.headers = headers
        let address = SocketAddress(host: "127.0.0.1", port: 1)!
        return HTTPRequest(head: head, remoteAddress: address, localAddress: address)
    }

    @Test func layersRunInTheOrderListed() async throws {
        let chain = MiddlewareChain([TracingMiddleware(name: "a"), TracingMiddleware(name: "b"), TracingMiddleware(name: "c")], handler: echoTrace)
        let response = try await chain.handle(request())
        #expect(response.headers["X-Seen"] == "a,b,c")
        #expect(response.headers["X-Trace-Out"] == "c,b,a")
    }

    @Test func aLayerSeesAnInnerLayersThrownErrorAsAnAnswer() async throws {
        let failing = HTTPClosureHandler { _ in throw HTTPError(.serviceUnavailable) }
        let chain = MiddlewareChain([TracingMiddleware(name: "outer")], handler: failing)
        let response = try await chain.handle(request())
        #expect(response.status == .serviceUnavailable)
        #expect(response.headers["X-Trace-Out"] == "outer")
    }

    @Test func whatAnInnerLayerPutsInTheContextIsSeenOutside() async throws {
        struct Deciding: HTTPMiddleware {
            func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
                request.context?[VerdictKey.self] = "admitted"
                return try await next.handle(request)
            }
        }
        struct Logging: HTTPMiddleware {
            func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
                var response = try await next.handle(request)
                response.headers["X-Verdict"] = request.context?[VerdictKey.self] ?? "none"
                response.headers["X-Request-ID"] = request.context?.requestID?.description ?? "none"
                return response
            }
        }
        let chain = MiddlewareChain([RequestContextMiddleware(), Logging(), Deciding()], handler: okHandler)
        // Logging's request is the one RequestContextMiddleware passed on: it holds the context.
        let response = try await chain.handle(request())
        #expect(response.headers["X-Verdict"] == "admitted")
        #expect(response.headers["X-Request-ID"]?.utf8.count == 32)
    }

    @Test func aLayerThatDoesNotAnswerOnTheSpotSendsEveryRequestToHandle() {
        let handler = ImmediateOKHandler()
        var probe = request()
        #expect(MiddlewareChain([StampingMiddleware(name: "a"), TracingMiddleware(name: "b")], handler: handler).respondImmediately(to: &probe) == nil)
        #expect(handler.wrapped(in: TracingMiddleware(name: "b")).respondImmediately(to: &probe) == nil)
        #expect(handler.handleCalls.load(ordering: .relaxed) == 0)
    }

    @Test func layersThatAnswerOnTheSpotPostProcessTheHandlersAnswerInOrder() throws {
        let handler = ImmediateOKHandler()
        var probe = request()
        let chained = try #require(MiddlewareChain([StampingMiddleware(name: "a"), StampingMiddleware(name: "b")], handler: handler).respondImmediately(to: &probe))
        #expect(chained.headers["X-Trace-Out"] == "b,a")
        let wrapped = try #require(handler.wrapped(in: StampingMiddleware(name: "b")).wrapped(in: StampingMiddleware(name: "a")).respondImmediately(to: &probe))
        #expect(wrapped.headers["X-Trace-Out"] == "b,a")
        #expect(handler.handleCalls.load(ordering: .relaxed) == 0)
    }

    @Test func requestIDIsTakenFromTheClientOnlyWhenSane() {
        #expect(HTTPRequestID.acceptable("abc-123_XYZ") == "abc-123_XYZ")
        #expect(HTTPRequestID.acceptable("two words") == nil)
        #expect(HTTPRequestID.acceptable("") == nil)
        #expect(HTTPRequestID.acceptable(String(repeating: "a", count: 129)) == nil)
        #expect(HTTPRequestID.acceptable("line\r\nbreak") == nil)
        let generated = HTTPRequestID.generate()
        #expect(generated.utf8.count == 32 && generated.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        #expect(generated != HTTPRequestID.generate())
    }

    @Test func aRandomIDWritesTheDigitsOfItsTextAndEqualsThatText() {
        // A generated ID is written as bytes into the fields a proxy sends and as text into logs:
        // both must be the same 32 digits.
        for _ in 0..<100 {
            let identifier = HTTPRequestID.random()
            let text = identifier.description
            #expect(text.utf8.count == 32)
            #expect(identifier.withUTF8 { Array($0) } == Array(text.utf8))
            #expect(identifier == HTTPRequestID(text))
            #expect(identifier != HTTPRequestID.random())
        }
        let given = HTTPRequestID("abc-123")
        #expect(given.description == "abc-123" && given.withUTF8 { Array($0) } == Array("abc-123".utf8))
    }

    @Test func aRequestKeepsItsClientsSaneIDFromTheFieldAskedAndOtherwiseGetsARandomOne() {
        #expect(HTTPRequestID(for: request(headers: HTTPHeaders([("X-Request-ID", "abc-123")]))) == "abc-123")
        #expect(HTTPRequestID(for: request(headers: HTTPHeaders([("X-Correlation-ID", "c-9")])), field: "X-Correlation-ID") == "c-9")
        // Absent, empty, too long or with a space (a log-injection risk): replaced.
        let replaced: [HTTPHeaders] = [HTTPHeaders(), HTTPHeaders([("X-Request-ID", "")]),
                                       HTTPHeaders([("X-Request-ID", String(repeating: "a", count: 129))]),
                                       HTTPHeaders([("X-Request-ID", "a b")]), HTTPHeaders([("X-Correlation-ID", "c-9")])]
        for headers in replaced {
            let identifier = HTTPRequestID(for: request(headers: headers))
            #expect(identifier.description.utf8.count == 32)
            #expect(identifier != HTTPRequestID(for: request(headers: headers)))
        }
    }

    @Test func generatedRequestIDsStayDistinctAcrossManyRefillsOfTheRandomBuffer() {
        // 16 IDs per refill of the pooled random bytes: 1000 IDs cross about 60 refills.
        let identifiers = (0..<1000).map { _ in HTTPRequestID.generate() }
        #expect(Set(identifiers).count == identifiers.count)
        #expect(identifiers.allSatisfy { $0.utf8.count == 32 && $0.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) } })
        // Every position takes all 16 digits (missing one in 1000 draws: about 1 in 10^26): a
        // random byte left out or misplaced would leave some positions fixed.
        let digits = identifiers.map { Array($0.utf8) }
        for position in 0..<32 {
            #expect(Set(digits.map { $0[position] }).count == 16, "position \(position)")
        }
    }

    @Test func requestIDsDrawnFromEachLoopsOwnBytesStayDistinctAndUseEveryDigit() async throws {
        let group = try EventLoopGroup(loopCount: 2)
        let loops = [group.next(), group.next()]
        let perLoop = 2000
        let identifiers = try await withThrowingTaskGroup(of: [String].self) { tasks in
            for loop in loops {
                tasks.addTask { try await loop.perform { (0..<perLoop).map { _ in HTTPRequestID.generate(on: loop) } } }
            }
            // Off its thread a loop's bytes are not touched (ThreadSanitizer would see it): the shared pool serves.
            tasks.addTask { (0..<perLoop).map { _ in HTTPRequestID.generate(on: loops[0]) } }
            return try await tasks.reduce(into: []) { $0 += $1 }
        }
        await group.shutdown()
        #expect(identifiers.count == 3 * perLoop)
        #expect(Set(identifiers).count == identifiers.count)
        let digits = identifiers.map { Array($0.utf8) }
        #expect(digits.allSatisfy { $0.count == 32 })
        for position in 0..<32 {
            #expect(Set(digits.map { $0[position] }) == Set("0123456789abcdef".utf8), "position \(position)")
        }
    }

    @Test func generatedRequestIDsStayDistinctWhenManyThreadsDrawAtOnce() {
        // Every loop thread draws from the one shared pool: a refill racing a draw would hand two
        // threads the same bytes. Real threads, not tasks, so the draws overlap as on the loops.
        let threadCount = 8
        let perThread = 500
        // `Locked`, not a bare `Mutex`: eight threads contend for it, and a contended `Mutex` hands
        // over in the kernel, where ThreadSanitizer cannot see it (a CI run reported the appends as a race).
        let drawn = Locked([String]())
        DispatchQueue.concurrentPerform(iterations: threadCount) { _ in
            let own = (0..<perThread).map { _ in HTTPRequestID.generate() }
            drawn.withLock { $0.append(contentsOf: own) }
        }
        let identifiers = drawn.withLock { $0 }
        #expect(identifiers.count == threadCount * perThread)
        #expect(Set(identifiers).count == identifiers.count)
    }
}
