import HTTPEngine
import Testing
import V5ProductionLimiter

@Suite struct RateLimitMiddlewareTests {
    @Test func refusedRequestsNeverReachTheHandler() async throws {
        let handler = CountingHandler()
        let clock = ManualClock()
        let middleware = RateLimitMiddleware(
            limit: try BucketLimit(capacity: 2, refillRatePerSecond: 1),
            keyExtractor: .clientAddress,
            clock: clock
        )
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try await middleware.handle(TestRequests.request(), next: handler).status.code) }
        #expect(statuses == [200, 200, 429, 429])
        #expect(handler.calls.value == 2)
    }

    @Test func tooManyRequestsResponseIsUncacheableJson() async throws {
        let middleware = RateLimitMiddleware(limit: try BucketLimit(capacity: 1, refillRatePerSecond: 0.25), keyExtractor: .clientAddress, clock: ManualClock())
        _ = try await middleware.handle(TestRequests.request(), next: CountingHandler())
        let refused = try await middleware.handle(TestRequests.request(), next: CountingHandler())
        #expect(refused.status == .tooManyRequests)
        #expect(refused.headers["Content-Type"] == "application/json")
        #expect(refused.headers["Cache-Control"] == "no-store")
        #expect(refused.headers["Retry-After"] == "4")
    }

    @Test func problemDetailsFormatChangesTheMediaType() async throws {
        let middleware = RateLimitMiddleware(
            limit: try BucketLimit(capacity: 1, refillRatePerSecond: 1),
            keyExtractor: .clientAddress,
            configuration: .init(errorBodyFormat: .problemDetails),
            clock: ManualClock()
        )
        _ = try await middleware.handle(TestRequests.request(), next: CountingHandler())
        let refused = try await middleware.handle(TestRequests.request(), next: CountingHandler())
        #expect(refused.headers["Content-Type"] == "application/problem+json")
    }

    @Test func clientsAreLimitedIndependently() async throws {
        let middleware = RateLimitMiddleware(limit: try BucketLimit(capacity: 1, refillRatePerSecond: 1), keyExtractor: .clientAddress, clock: ManualClock())
        #expect(try await middleware.handle(TestRequests.request(from: "198.51.100.1"), next: CountingHandler()).status == .ok)
        #expect(try await middleware.handle(TestRequests.request(from: "198.51.100.1"), next: CountingHandler()).status == .tooManyRequests)
        #expect(try await middleware.handle(TestRequests.request(from: "198.51.100.2"), next: CountingHandler()).status == .ok)
    }

    @Test func oversizedApiKeyGets400AndSpendsNothing() async throws {
        let handler = CountingHandler()
        let (middleware, store) = memoryMiddleware(limit: try BucketLimit(capacity: 1, refillRatePerSecond: 1), keyExtractor: .apiKey())
        let huge = TestRequests.request(headers: [("X-API-Key", String(repeating: "k", count: 10 * 1024))])
        let response = try await middleware.handle(huge, next: handler)
        #expect(response.status == .badRequest)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(handler.calls.value == 0)
        #expect(store.statistics.keyCount == 0)
    }

    @Test func missingKeyGets400() async throws {
        let (middleware, store) = memoryMiddleware(limit: try BucketLimit(capacity: 1, refillRatePerSecond: 1), keyExtractor: .apiKey())
        let response = try await middleware.handle(TestRequests.request(), next: CountingHandler())
        #expect(response.status == .badRequest)
        #expect(store.statistics.keyCount == 0)
    }

    @Test func perKeyLimitsComeFromTheSharedLimiter() async throws {
        let premium = try BucketLimit(capacity: 3, refillRatePerSecond: 1)
        let standard = try BucketLimit(capacity: 1, refillRatePerSecond: 1)
        let clock = ManualClock()
        let store = GuardedStore(store: InMemoryStore(clock: clock), mode: .failClosed, timeout: .seconds(60), clock: clock)
        let middleware = RateLimitMiddleware(store: store, keyExtractor: .apiKey()) { key in
            [RateLimit(defaultFor: key.rawValue.hasPrefix("key:premium-") ? premium : standard)]
        }
        let premiumResponse = try await middleware.handle(TestRequests.request(headers: [("X-API-Key", "premium-1")]), next: CountingHandler())
        let standardResponse = try await middleware.handle(TestRequests.request(headers: [("X-API-Key", "free-1")]), next: CountingHandler())
        #expect(premiumResponse.headers["X-RateLimit-Limit"] == "3")
        #expect(standardResponse.headers["X-RateLimit-Limit"] == "1")
    }

    @Test func answersToThrownErrorsCarryTheRateLimitFields() async throws {
        struct UpstreamBroke: Error {}
        let middleware = RateLimitMiddleware(limit: try BucketLimit(capacity: 5, refillRatePerSecond: 1), keyExtractor: .clientAddress, clock: ManualClock())
        // Composed as the server runs it: the engine answers the thrown error inside the chain.
        let forbidden = HTTPClosureHandler { _ in throw HTTPError(.forbidden, message: "not yours") }.wrapped(in: middleware)
        let broken = HTTPClosureHandler { _ in throw UpstreamBroke() }.wrapped(in: middleware)
        let first = try await forbidden.handle(TestRequests.request())
        let second = try await broken.handle(TestRequests.request())
        #expect(first.status == .forbidden)
        #expect(first.headers["X-RateLimit-Remaining"] == "4")
        #expect(first.headers["RateLimit"] == #""default";r=4;t=1"#)
        #expect(second.status == .internalServerError)
        #expect(second.headers["X-RateLimit-Remaining"] == "3")
        #expect(second.headers["RateLimit-Policy"] == #""default";q=5;w=5"#)
    }
}
