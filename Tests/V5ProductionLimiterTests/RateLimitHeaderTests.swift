import HTTPEngine
import Testing
import V5ProductionLimiter

/// A middleware keyed by client address, on a manual clock, in front of a counting handler.
private struct Harness {
    let clock = ManualClock()
    let handler = CountingHandler()
    let middleware: RateLimitMiddleware<ClientAddressKeyExtractor>

    init(capacity: Int, rate: Double, configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration()) throws {
        middleware = RateLimitMiddleware(
            limit: try BucketLimit(capacity: capacity, refillRatePerSecond: rate),
            keyExtractor: .clientAddress,
            configuration: configuration,
            clock: clock
        )
    }

    func send(from peer: String = "203.0.113.7") async throws -> HTTPResponse {
        try await middleware.handle(TestRequests.request(from: peer), next: handler)
    }
}

/// Rate-limit fields checked against the bucket at known instants; expected values are worked out by hand.
@Suite struct RateLimitHeaderTests {
    @Test func allowedResponseCarriesBothStylesOnTopOfTheHandlersHeaders() async throws {
        let harness = try Harness(capacity: 5, rate: 1)
        let response = try await harness.send()
        #expect(response.status == .ok)
        #expect(response.headers["X-Handled"] == "yes")
        #expect(response.headers["X-RateLimit-Limit"] == "5")
        #expect(response.headers["X-RateLimit-Remaining"] == "4")
        // One token short of full at one token per second: full again in 1 s.
        #expect(response.headers["X-RateLimit-Reset"] == "1")
        #expect(response.headers["RateLimit-Policy"] == #""default";q=5;w=5"#)
        #expect(response.headers["RateLimit"] == #""default";r=4;t=1"#)
        #expect(response.headers["Retry-After"] == nil)
    }

    @Test func valuesFollowTheBucketAtKnownInstants() async throws {
        let harness = try Harness(capacity: 5, rate: 2)
        for _ in 0..<5 { _ = try await harness.send() }
        // Empty bucket at 2 tokens/s: one token in 0.5 s, full in 2.5 s.
        let refused = try await harness.send()
        #expect(refused.status == .tooManyRequests)
        #expect(refused.headers["Retry-After"] == "1")
        #expect(refused.headers["X-RateLimit-Remaining"] == "0")
        #expect(refused.headers["X-RateLimit-Reset"] == "3")
        // The IETF `t` is the wait for the next token, the same wait Retry-After reports.
        #expect(refused.headers["RateLimit"] == #""default";r=0;t=1"#)
        #expect(refused.headers["RateLimit-Policy"] == #""default";q=5;w=3"#)

        harness.clock.advance(by: .milliseconds(400))
        let stillRefused = try await harness.send()
        // 0.8 tokens: 0.1 s to the next, 2.1 s to full; both round up.
        #expect(stillRefused.headers["Retry-After"] == "1")
        #expect(stillRefused.headers["X-RateLimit-Reset"] == "3")

        harness.clock.advance(by: .milliseconds(1100))
        // 3.0 tokens at 1.5 s; this request leaves 2, and 3 are missing: full in 1.5 s.
        let admitted = try await harness.send()
        #expect(admitted.status == .ok)
        #expect(admitted.headers["X-RateLimit-Remaining"] == "2")
        #expect(admitted.headers["X-RateLimit-Reset"] == "2")
        // Exactly 2.0 tokens left: the third is 0.5 s away.
        #expect(admitted.headers["RateLimit"] == #""default";r=2;t=1"#)
        #expect(harness.handler.calls.value == 6)
    }

    @Test func retryAfterIsNeverZeroWhileLimited() async throws {
        let harness = try Harness(capacity: 1, rate: 1000)
        _ = try await harness.send()
        // 999,999 ns after spending the only token, the next one is 1 ns away.
        harness.clock.advance(by: .nanoseconds(999_999))
        let refused = try await harness.send()
        #expect(refused.status == .tooManyRequests)
        #expect(refused.headers["Retry-After"] == "1")
        #expect(refused.headers["X-RateLimit-Reset"] == "1")
    }

    @Test func windowIsRoundedUpSoTheAdvertisedRateNeverOverstates() async throws {
        let harness = try Harness(capacity: 10, rate: 3)
        let response = try await harness.send()
        #expect(response.headers["RateLimit-Policy"] == #""default";q=10;w=4"#)
    }

    @Test func secondsAreRoundedUpAtTheNanosecondBoundaries() throws {
        let limit = try RateLimit(name: "edge", 10, per: .seconds(4))
        for (nanoseconds, seconds): (Int64, Int64) in [(0, 0), (1, 1), (999_999_999, 1), (1_000_000_000, 1), (1_000_000_001, 2), (Int64.max, 9_223_372_037)] {
            let span = Duration.nanoseconds(nanoseconds)
            let fields = RateLimitFields(StoreDecision(isAllowed: false, limit: limit, remaining: 0, retryAfter: span, resetAfter: span, nextUnitAfter: span))
            #expect(fields.resetSeconds == seconds, "\(nanoseconds) ns")
            #expect(fields.nextQuotaSeconds == seconds, "\(nanoseconds) ns")
            #expect(fields.retryAfterSeconds == max(1, seconds), "\(nanoseconds) ns")
            #expect(fields.resetSeconds == RateLimitFields.wholeSeconds(span))
        }
        #expect(RateLimitFields(StoreDecision(isAllowed: true, limit: limit, remaining: 3, retryAfter: .zero, resetAfter: .zero, nextUnitAfter: .zero)).windowSeconds == 4)
    }

    @Test func headersAgreeWithAnIndependentBucketOnRandomSchedules() async throws {
        var random = SeededGenerator(state: 42)
        let limit = try BucketLimit(capacity: 7, refillRatePerSecond: 1.5)
        let harness = try Harness(capacity: 7, rate: 1.5)
        var reference = TokenBucket(limit: limit, now: harness.clock.now)
        for _ in 0..<500 {
            harness.clock.advance(by: .milliseconds(Int64.random(in: 0...900, using: &random)))
            let expected = reference.consume(at: harness.clock.now)
            let response = try await harness.send()
            let remaining = try #require(response.headers["X-RateLimit-Remaining"].flatMap(Int.init))
            let reset = try #require(response.headers["X-RateLimit-Reset"].flatMap(Int64.init))
            #expect((response.status == .ok) == expected.isAllowed)
            #expect(remaining == expected.remainingTokens)
            #expect(reset == RateLimitFields.wholeSeconds(expected.resetAfter))
            #expect(remaining <= 7)
            let nextQuota = RateLimitFields.wholeSeconds(expected.nextTokenAfter)
            let t = remaining == 7 ? "" : ";t=\(nextQuota)"
            #expect(response.headers["RateLimit"] == #""default";r=\#(remaining)\#(t)"#)
            #expect(nextQuota <= reset)
            if let retryAfter = response.headers["Retry-After"].flatMap(Int64.init) {
                #expect(retryAfter >= 1)
                // Waiting out Reset always includes waiting out Retry-After.
                #expect(retryAfter <= reset)
                #expect(retryAfter == max(1, RateLimitFields.wholeSeconds(expected.retryAfter)))
                // The draft: Retry-After never earlier than `t`; for one token they are equal.
                #expect(retryAfter == nextQuota)
            }
        }
    }

    @Test func eachStyleSendsOnlyItsOwnFields() async throws {
        let legacy = try await Harness(capacity: 2, rate: 1, configuration: .init(headerStyle: .legacy)).send()
        #expect(legacy.headers["X-RateLimit-Remaining"] == "1")
        #expect(legacy.headers["RateLimit"] == nil)
        let ietf = try await Harness(capacity: 2, rate: 1, configuration: .init(headerStyle: .ietf)).send()
        #expect(ietf.headers["X-RateLimit-Remaining"] == nil)
        #expect(ietf.headers["RateLimit"] == #""default";r=1;t=1"#)
        let omitted = try Harness(capacity: 1, rate: 1, configuration: .init(headerStyle: .omitted))
        let allowed = try await omitted.send()
        let refused = try await omitted.send()
        for response in [allowed, refused] {
            #expect(response.headers["X-RateLimit-Limit"] == nil)
            #expect(response.headers["RateLimit-Policy"] == nil)
        }
        // Retry-After is HTTP's own field, not a rate-limit header style.
        #expect(refused.headers["Retry-After"] == "1")
    }

    @Test func rateLimitFieldsFromTheHandlerAreReplacedNotDuplicated() async throws {
        let handler = HTTPClosureHandler { _ in
            HTTPResponse(status: .ok, headers: HTTPHeaders([("X-RateLimit-Remaining", "999"), ("RateLimit", "bogus")]))
        }
        let middleware = RateLimitMiddleware(limit: try BucketLimit(capacity: 3, refillRatePerSecond: 1), keyExtractor: .clientAddress)
        let response = try await middleware.handle(TestRequests.request(), next: handler)
        #expect(response.headers.values(name: "X-RateLimit-Remaining") == ["2"])
        #expect(response.headers.values(name: "RateLimit") == [#""default";r=2;t=1"#])
    }

    @Test func policyNameIsReducedToSafeCharacters() async throws {
        let named = try await Harness(capacity: 2, rate: 1, configuration: .init(headerStyle: .ietf, policyName: "per-ip_v\"1\r\n,x")).send()
        #expect(named.headers["RateLimit"] == #""per-ip_v1x";r=1;t=1"#)
        #expect(RateLimitResponseConfiguration(policyName: "\"\"").policyName == "default")
    }
}
