import HTTPEngine
import Testing
import V5ProductionLimiter

/// A middleware on a manual clock, keyed by client address, in front of a counting handler.
private func middleware(
    capacity: Int,
    rate: Double,
    configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration(),
    clock: ManualClock
) throws -> RateLimitMiddleware<ClientAddressKeyExtractor> {
    RateLimitMiddleware(
        limit: try BucketLimit(capacity: capacity, refillRatePerSecond: rate),
        keyExtractor: .clientAddress,
        configuration: configuration,
        clock: clock
    )
}

/// The exact field strings of draft-ietf-httpapi-ratelimit-headers, worked out by hand.
@Suite struct RateLimitDraftConformanceTests {
    @Test func refusedResponseReportsTheSameWaitInRetryAfterAndT() async throws {
        let clock = ManualClock()
        let limited = try middleware(capacity: 4, rate: 0.25, clock: clock)
        for _ in 0..<4 { _ = try await limited.handle(TestRequests.request(), next: CountingHandler()) }
        // Empty at a quarter token per second: the next token is 4 s away, the full bucket 16 s.
        let refused = try await limited.handle(TestRequests.request(), next: CountingHandler())
        #expect(refused.status == .tooManyRequests)
        #expect(refused.headers["Retry-After"] == "4")
        #expect(refused.headers["RateLimit"] == #""default";r=0;t=4"#)
        #expect(refused.headers["RateLimit-Policy"] == #""default";q=4;w=16"#)
        // The legacy Reset keeps its own meaning: seconds until the bucket is full.
        #expect(refused.headers["X-RateLimit-Reset"] == "16")

        clock.advance(by: .milliseconds(2500))
        // 0.625 tokens: 1.5 s to the next one, which both fields round up to 2.
        let stillRefused = try await limited.handle(TestRequests.request(), next: CountingHandler())
        #expect(stillRefused.headers["Retry-After"] == "2")
        #expect(stillRefused.headers["RateLimit"] == #""default";r=0;t=2"#)
        #expect(stillRefused.headers["X-RateLimit-Reset"] == "14")
    }

    @Test func tCountsSecondsUntilTheNextTokenNotUntilTheBucketIsFull() async throws {
        let clock = ManualClock()
        let limited = try middleware(capacity: 5, rate: 0.5, clock: clock)
        var last: HTTPResponse?
        for _ in 0..<3 { last = try await limited.handle(TestRequests.request(), next: CountingHandler()) }
        // Two tokens left at half a token per second: one more in 2 s, full in 6 s.
        #expect(last?.headers["RateLimit"] == #""default";r=2;t=2"#)
        #expect(last?.headers["X-RateLimit-Reset"] == "6")

        clock.advance(by: .milliseconds(500))
        // 2.25 tokens before this request, 1.25 after: the second token is back in 1.5 s.
        let next = try await limited.handle(TestRequests.request(), next: CountingHandler())
        #expect(next.headers["RateLimit"] == #""default";r=1;t=2"#)
        #expect(next.headers["X-RateLimit-Reset"] == "8")
    }

    @Test func problemBodyUsesTheDraftsQuotaExceededTypeAndNamesThePolicy() async throws {
        let configuration = RateLimitResponseConfiguration(errorBodyFormat: .problemDetails, policyName: "per-ip")
        let limited = try middleware(capacity: 1, rate: 0.5, configuration: configuration, clock: ManualClock())
        let api = HTTPClosureHandler { _ in HTTPResponse(status: .ok) }
        try await withTestServer(handler: api.wrapped(in: limited)) { port in
            let client = try BlockingHTTPClient(port: port)
            _ = try await client.get("/")
            let refused = try await client.get("/")
            #expect(refused.status == 429)
            #expect(refused.header("Content-Type") == "application/problem+json")
            #expect(refused.header("Retry-After") == "2")
            #expect(refused.header("RateLimit") == #""per-ip";r=0;t=2"#)
            #expect(refused.bodyText == #"{"type":"https://iana.org/assignments/http-problem-types#quota-exceeded","title":"Quota Exceeded","status":429,"detail":"Rate limit exceeded; retry after 2 seconds.","violated-policies":["per-ip"],"error":"rate_limited","retry_after":2}"#)
        }
    }

    @Test func fullBucketOmitsTBecauseNoAdditionalQuotaIsComing() throws {
        let limit = try BucketLimit(capacity: 3, refillRatePerSecond: 1)
        let full = RateLimitDecision(outcome: .allowed, limit: limit, resetAfter: .zero, retryAfter: .zero)
        var headers = HTTPHeaders()
        RateLimitFields(StoreDecision(full, limit: RateLimit(defaultFor: limit))).apply(to: &headers, style: .both, policyName: "burst")
        #expect(headers["RateLimit"] == #""burst";r=3"#)
        #expect(headers["RateLimit-Policy"] == #""burst";q=3;w=3"#)
        #expect(headers["X-RateLimit-Reset"] == "0")
    }

    @Test func retryAfterIsNeverEarlierThanTEvenForACostlyRequest() throws {
        // A request of cost 3 refused with 0.5 tokens: the next token is 0.5 s away, all three 2.5 s.
        var bucket = TokenBucket(limit: try BucketLimit(capacity: 3, refillRatePerSecond: 1), now: MonotonicInstant(nanoseconds: 0))
        _ = try bucket.consume(3, at: MonotonicInstant(nanoseconds: 0))
        let refused = try bucket.consume(3, at: MonotonicInstant(nanoseconds: 500_000_000))
        let fields = RateLimitFields(StoreDecision(refused, limit: RateLimit(defaultFor: refused.limit)))
        #expect(fields.nextQuotaSeconds == 1)
        #expect(fields.retryAfterSeconds == 3)
        #expect(fields.resetSeconds == 3)
    }
}
