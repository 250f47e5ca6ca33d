import HTTPEngine
import Testing
import V3RateLimitMiddleware

/// A middleware whose key table holds two clients, each refilling one token per 100 s.
private func slowTwoKeyMiddleware(clock: ManualClock, format: RateLimitErrorBodyFormat = .json) throws -> RateLimitMiddleware<ClientAddressKeyExtractor> {
    RateLimitMiddleware(
        limit: try BucketLimit(capacity: 1, refillRatePerSecond: 0.01),
        keyExtractor: .clientAddress,
        maximumKeyCount: 2,
        configuration: .init(errorBodyFormat: format),
        clock: clock.reading
    )
}

/// A full key table is the limiter's problem, not the new client's: 503 with a truthful wait.
@Suite struct LimiterAtCapacityTests {
    @Test func newClientOfAFullTableGets503WithTheWaitUntilTheSoonestBucketRefills() async throws {
        let clock = ManualClock()
        let limited = try slowTwoKeyMiddleware(clock: clock)
        #expect(try await limited.handle(TestRequests.request(from: "198.51.100.1"), next: CountingHandler()).status == .ok)
        #expect(try await limited.handle(TestRequests.request(from: "198.51.100.2"), next: CountingHandler()).status == .ok)

        let handler = CountingHandler()
        let refused = try await limited.handle(TestRequests.request(from: "198.51.100.3"), next: handler)
        #expect(refused.status == .serviceUnavailable)
        // Both buckets are full again, and so droppable, 100 s after they were spent.
        #expect(refused.headers["Retry-After"] == "100")
        #expect(refused.headers["Cache-Control"] == "no-store")
        #expect(refused.headers["Content-Type"] == "application/json")
        // No bucket speaks for this client, so no quota is reported for it.
        #expect(refused.headers["RateLimit"] == nil)
        #expect(refused.headers["X-RateLimit-Remaining"] == nil)
        #expect(handler.calls.value == 0)
        #expect(limited.capacityRejections == 1)

        clock.advance(by: .seconds(99))
        let stillFull = try await limited.handle(TestRequests.request(from: "198.51.100.3"), next: handler)
        #expect(stillFull.status == .serviceUnavailable)
        #expect(stillFull.headers["Retry-After"] == "1")
        #expect(limited.capacityRejections == 2)

        clock.advance(by: .seconds(1))
        // Waiting as long as told is enough: the full buckets are dropped and the client admitted.
        #expect(try await limited.handle(TestRequests.request(from: "198.51.100.3"), next: handler).status == .ok)
        #expect(handler.calls.value == 1)
        #expect(limited.capacityRejections == 2)
    }

    @Test func clientsWithABucketKeepGetting429NotTheCapacityAnswer() async throws {
        let clock = ManualClock()
        let limited = try slowTwoKeyMiddleware(clock: clock)
        _ = try await limited.handle(TestRequests.request(from: "198.51.100.1"), next: CountingHandler())
        _ = try await limited.handle(TestRequests.request(from: "198.51.100.2"), next: CountingHandler())
        let own = try await limited.handle(TestRequests.request(from: "198.51.100.1"), next: CountingHandler())
        #expect(own.status == .tooManyRequests)
        #expect(own.headers["RateLimit"] == #""default";r=0;t=100"#)
        #expect(limited.capacityRejections == 0)
    }

    @Test func limiterAtCapacityHasItsOwnProblemTypeOverTheSocket() async throws {
        let limited = try slowTwoKeyMiddleware(clock: ManualClock(), format: .problemDetails)
        let api = HTTPClosureHandler { _ in HTTPResponse(status: .ok) }
        try await withTestServer(handler: api.wrapped(in: limited)) { port in
            // Every socket client is 127.0.0.1, so the table is filled in-process first.
            _ = try await limited.handle(TestRequests.request(from: "198.51.100.1"), next: CountingHandler())
            _ = try await limited.handle(TestRequests.request(from: "198.51.100.2"), next: CountingHandler())
            let client = try BlockingHTTPClient(port: port)
            let refused = try await client.get("/")
            #expect(refused.status == 503)
            #expect(refused.header("Content-Type") == "application/problem+json")
            #expect(refused.header("Retry-After") == "100")
            #expect(refused.bodyText == #"{"type":"tag:example.org,2026:rate-limit/limiter-at-capacity","title":"Rate limiter at capacity","status":503,"detail":"The rate limiter tracks as many clients as it may; retry after 100 seconds.","error":"limiter_at_capacity","retry_after":100}"#)
        }
    }
}
