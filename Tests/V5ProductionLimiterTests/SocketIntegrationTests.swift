import HTTPEngine
import IPAddressing
import Synchronization
import Testing
import V5ProductionLimiter

private let api = HTTPClosureHandler { _ in
    HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: .init(string: "hello"))
}

private func limited(
    capacity: Int,
    rate: Double = 1,
    keyExtractor: some RateLimitKeyExtractor = .clientAddress,
    configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration(),
    clock: ManualClock
) throws -> some HTTPHandler {
    api.wrapped(in: RateLimitMiddleware(
        limit: try BucketLimit(capacity: capacity, refillRatePerSecond: rate),
        keyExtractor: keyExtractor,
        configuration: configuration,
        clock: clock
    ))
}

/// The middleware behind the project's real server, driven by a real client over loopback sockets.
@Suite struct SocketIntegrationTests {
    @Test func okTurnsIntoTooManyRequestsAndBackAsTimePasses() async throws {
        let clock = ManualClock()
        try await withTestServer(handler: try limited(capacity: 3, clock: clock)) { port in
            let client = try BlockingHTTPClient(port: port)
            var remaining: [String?] = []
            for _ in 0..<3 {
                let response = try await client.get("/")
                #expect(response.status == 200)
                #expect(response.bodyText == "hello")
                remaining.append(response.header("X-RateLimit-Remaining"))
            }
            #expect(remaining == ["2", "1", "0"])

            let refused = try await client.get("/")
            #expect(refused.status == 429)
            #expect(refused.bodyText == #"{"error":"rate_limited","retry_after":1}"#)
            #expect(refused.header("Content-Type") == "application/json")
            #expect(refused.header("Retry-After") == "1")
            #expect(refused.header("Cache-Control") == "no-store")
            #expect(refused.header("RateLimit") == #""default";r=0;t=1"#)
            #expect(refused.header("X-RateLimit-Reset") == "3")

            clock.advance(by: .seconds(1))
            let again = try await client.get("/")
            #expect(again.status == 200)
            #expect(again.header("X-RateLimit-Remaining") == "0")
        }
    }

    @Test func problemDetailsBodyFollowsRFC9457() async throws {
        let clock = ManualClock()
        let handler = try limited(capacity: 1, rate: 0.5, configuration: .init(errorBodyFormat: .problemDetails), clock: clock)
        try await withTestServer(handler: handler) { port in
            let client = try BlockingHTTPClient(port: port)
            _ = try await client.get("/")
            let refused = try await client.get("/")
            #expect(refused.status == 429)
            #expect(refused.header("Content-Type") == "application/problem+json")
            #expect(refused.bodyText == #"{"type":"https://iana.org/assignments/http-problem-types#quota-exceeded","title":"Quota Exceeded","status":429,"detail":"Rate limit exceeded; retry after 2 seconds.","violated-policies":["default"],"error":"rate_limited","retry_after":2}"#)
        }
    }

    @Test func tenKilobyteApiKeyGets400NamingTheProblem() async throws {
        try await withTestServer(handler: try limited(capacity: 5, keyExtractor: .apiKey(), clock: ManualClock())) { port in
            let client = try BlockingHTTPClient(port: port)
            let response = try await client.get("/", headers: [("X-API-Key", String(repeating: "A", count: 10 * 1024))])
            #expect(response.status == 400)
            #expect(response.bodyText == #"{"error":"key_too_long","detail":"X-API-Key is longer than 256 bytes"}"#)
            // The connection stays usable: a bad key is the client's mistake, not a broken stream.
            let next = try await client.get("/", headers: [("X-API-Key", "good")])
            #expect(next.status == 200)
        }
    }

    @Test func invalidUTF8ApiKeyGets400() async throws {
        try await withTestServer(handler: try limited(capacity: 5, keyExtractor: .apiKey(), clock: ManualClock())) { port in
            let client = try BlockingHTTPClient(port: port)
            // HTTP allows bytes 0x80–0xFF in field values, so only the middleware can refuse them.
            let raw = Array("GET / HTTP/1.1\r\nHost: x\r\nX-API-Key: abc".utf8) + [0xFF, 0xFE, 0xC3] + Array("\r\n\r\n".utf8)
            let response = try await client.exchange(raw: raw)
            #expect(response.status == 400)
            #expect(response.bodyText == #"{"error":"key_not_utf8","detail":"X-API-Key is not valid UTF-8"}"#)
        }
    }

    @Test func tabInsideApiKeyGets400() async throws {
        try await withTestServer(handler: try limited(capacity: 5, keyExtractor: .apiKey(), clock: ManualClock())) { port in
            let client = try BlockingHTTPClient(port: port)
            let response = try await client.get("/", headers: [("X-API-Key", "abc\tdef")])
            #expect(response.status == 400)
            #expect(response.bodyText.contains(#""error":"key_invalid_character""#))
        }
    }

    @Test func forwardedClientsGetTheirOwnBudgetsOnlyBehindTrustedProxies() async throws {
        let trusting = try ClientAddressKeyExtractor(resolver: ClientAddressResolver(trustedProxies: [IPNetwork("127.0.0.0/8")!]))
        try await withTestServer(handler: try limited(capacity: 1, keyExtractor: trusting, clock: ManualClock())) { port in
            let client = try BlockingHTTPClient(port: port)
            #expect(try await client.get("/", headers: [("X-Forwarded-For", "198.51.100.1")]).status == 200)
            #expect(try await client.get("/", headers: [("X-Forwarded-For", "198.51.100.1")]).status == 429)
            #expect(try await client.get("/", headers: [("X-Forwarded-For", "198.51.100.2")]).status == 200)
        }
        // The same requests with no trusted proxy all come from 127.0.0.1: one budget.
        try await withTestServer(handler: try limited(capacity: 1, clock: ManualClock())) { port in
            let client = try BlockingHTTPClient(port: port)
            #expect(try await client.get("/", headers: [("X-Forwarded-For", "198.51.100.1")]).status == 200)
            #expect(try await client.get("/", headers: [("X-Forwarded-For", "198.51.100.2")]).status == 429)
        }
    }

    @Test func concurrentConnectionsShareOneBudgetExactly() async throws {
        let clock = ManualClock()
        try await withTestServer(handler: try limited(capacity: 25, clock: clock)) { port in
            let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let client = try BlockingHTTPClient(port: port)
                        var seen: [Int] = []
                        for _ in 0..<10 { seen.append(try await client.get("/").status) }
                        return seen
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            // Frozen time: 40 requests for 25 tokens, whatever the interleaving.
            #expect(statuses.filter { $0 == 200 }.count == 25)
            #expect(statuses.filter { $0 == 429 }.count == 15)
        }
    }
}
