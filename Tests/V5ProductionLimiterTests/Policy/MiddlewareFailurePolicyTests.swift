import HTTPEngine
import Testing
import V5ProductionLimiter

/// What a client sees when the store fails, for each failure mode, through the middleware.
@Suite struct MiddlewareFailurePolicyTests {
    static let limits = [try! RateLimit(name: "2/m", 2, per: .seconds(60))]

    /// A middleware over a store that fails with "connection refused" from the start.
    static func failingMiddleware(_ mode: FailureMode, configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration())
        -> (RateLimitMiddleware<ClientAddressKeyExtractor>, PrometheusMetrics) {
        let clock = ManualClock()
        let store = ScriptedStore(clock: clock)
        store.behave(.fail(.unreachable("connection refused")))
        let metrics = PrometheusMetrics()
        let guarded = GuardedStore(store: store, mode: mode, timeout: .milliseconds(50), clock: clock, metrics: metrics)
        let middleware = RateLimitMiddleware(store: guarded, limits: limits, keyExtractor: .clientAddress, configuration: configuration)
        return (middleware, metrics)
    }

    @Test func failClosedAnswers503WithAJsonBodySayingWhy() async throws {
        let handler = CountingHandler()
        let (middleware, _) = Self.failingMiddleware(.failClosed)
        try await withTestServer(handler: handler.wrapped(in: middleware)) { port in
            let response = try await BlockingHTTPClient(port: port).get("/")
            #expect(response.status == 503)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.header("Cache-Control") == "no-store")
            #expect(response.header("Retry-After") == "1")
            #expect(response.header("X-RateLimit-Remaining") == nil)
            #expect(response.bodyText == #"{"error":"rate_limiter_unavailable","detail":"Rate limits could not be checked (unreachable); the request was not processed."}"#)
        }
        #expect(handler.calls.value == 0)
    }

    @Test func failClosedAsAProblemDetailsBody() async throws {
        let (middleware, _) = Self.failingMiddleware(.failClosed, configuration: .init(errorBodyFormat: .problemDetails))
        try await withTestServer(handler: CountingHandler().wrapped(in: middleware)) { port in
            let response = try await BlockingHTTPClient(port: port).get("/")
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(response.bodyText == #"{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"Rate limits could not be checked (unreachable); the request was not processed.","error":"rate_limiter_unavailable"}"#)
        }
    }

    @Test func failOpenAdmitsMarksTheResponseAndCountsIt() async throws {
        let handler = CountingHandler()
        let (middleware, metrics) = Self.failingMiddleware(.failOpen)
        for _ in 0..<5 {
            let response = try await middleware.handle(TestRequests.request(), next: handler)
            #expect(response.status == .ok)
            #expect(response.headers["X-RateLimit-Degraded"] == "fail-open")
            // No limit was consulted, so no limit is reported.
            #expect(response.headers["RateLimit"] == nil)
        }
        #expect(handler.calls.value == 5)
        #expect(metrics.decisionCount(outcome: .allowed, path: .failOpen) == 5)
    }

    @Test func fallbackLimitsLocallyAndSaysSo() async throws {
        let handler = CountingHandler()
        let (middleware, _) = Self.failingMiddleware(.fallback(share: 0.5))
        let admitted = try await middleware.handle(TestRequests.request(), next: handler)
        let refused = try await middleware.handle(TestRequests.request(), next: handler)
        #expect(admitted.status == .ok)
        #expect(admitted.headers["X-RateLimit-Degraded"] == "fallback")
        #expect(admitted.headers["X-RateLimit-Limit"] == "1")
        #expect(refused.status == .tooManyRequests)
        #expect(refused.headers["X-RateLimit-Degraded"] == "fallback")
        #expect(handler.calls.value == 1)
    }

    @Test func limitsNoRequestCanCarryAnswer500NamingTheProblem() async throws {
        let clock = ManualClock()
        let guarded = GuardedStore(store: InMemoryStore(clock: clock), mode: .failClosed, timeout: .seconds(1), clock: clock)
        let middleware = RateLimitMiddleware(store: guarded, keyExtractor: .clientAddress) { _ in [] }
        await #expect(throws: HTTPError.self) { try await middleware.handle(TestRequests.request(), next: CountingHandler()) }
    }

    @Test func everyLimitIsHeldAndTheTightestReported() async throws {
        let clock = ManualClock()
        let guarded = GuardedStore(store: InMemoryStore(clock: clock), mode: .failClosed, timeout: .seconds(1), clock: clock)
        let limits = [try RateLimit(name: "10/s", 10, per: .seconds(1)), try RateLimit(name: "3/h", 3, per: .seconds(3600), algorithm: .slidingWindow)]
        let middleware = RateLimitMiddleware(store: guarded, limits: limits, keyExtractor: .clientAddress)
        var statuses: [Int] = []
        var remaining: [String?] = []
        for _ in 0..<4 {
            let response = try await middleware.handle(TestRequests.request(), next: CountingHandler())
            statuses.append(response.status.code)
            remaining.append(response.headers["X-RateLimit-Remaining"])
        }
        #expect(statuses == [200, 200, 200, 429])
        #expect(remaining == ["2", "1", "0", "0"])
    }
}
