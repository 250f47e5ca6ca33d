import HTTPEngine
import Synchronization
import Testing
@testable import V5ProductionLimiter

/// The policy limiter's answers on the spot (`respondImmediately`): decided once, whichever way
/// the server then goes.
@Suite struct PolicyDecisionOnTheSpotTests {
    /// Three requests a minute per client address.
    let policies = try! PolicySet(anonymous: RateLimitPolicy(name: "anonymous", limits: [try! RateLimit(name: "anonymous.3m", 3, per: .seconds(60))]))

    /// Counts the requests that reached it.
    final class CountingHandler: HTTPHandler {
        let calls = Atomic<Int>(0)

        func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
            calls.add(1, ordering: .relaxed)
            return HTTPResponse(status: .ok)
        }
    }

    func makeRequest(target: String = "/items") -> HTTPRequest {
        let address = SocketAddress(host: "192.0.2.7", port: 40000)!
        return HTTPRequest(head: HTTPRequestHead(method: .get, target: target, version: .http1_1), remoteAddress: address, localAddress: address)
    }

    /// What the server does: the answer on the spot if there is one, else `handle` with the request as left.
    func serve(_ chain: MiddlewareChain, target: String = "/items") async throws -> (response: HTTPResponse, wasAnsweredOnTheSpot: Bool, request: HTTPRequest) {
        var request = makeRequest(target: target)
        if let response = chain.respondImmediately(to: &request) { return (response, true, request) }
        return (try await chain.handle(request), false, request)
    }

    func chain(_ store: GuardedStore, _ handler: CountingHandler) -> MiddlewareChain {
        let limiter = PolicyRateLimitMiddleware(policies: policies, store: store, addressResolver: ClientAddressResolver(trustedProxies: []))
        return MiddlewareChain([RequestContextMiddleware(), limiter], handler: handler)
    }

    @Test func memoryStoreDecidesOnTheSpotAndHandleDoesNotSpendAgain() async throws {
        let handler = CountingHandler()
        let chain = chain(GuardedStore.inMemory(InMemoryStore(clock: ManualClock())), handler)
        var remaining: [String?] = []
        for _ in 0..<3 {
            let served = try await serve(chain)
            #expect(served.response.status == .ok && !served.wasAnsweredOnTheSpot)
            remaining.append(served.response.headers["X-RateLimit-Remaining"])
        }
        #expect(remaining == ["2", "1", "0"])
        let refused = try await serve(chain)
        #expect(refused.response.status == .tooManyRequests && refused.wasAnsweredOnTheSpot)
        #expect(refused.response.headers["Retry-After"] != nil)
        #expect(refused.request.context?[RateLimitOutcomeKey.self]?.decision == "limited")
        #expect(handler.calls.load(ordering: .relaxed) == 3)
    }

    @Test func aRoutesLimitAndCostApplyOnlyToRequestsUnderItsPath() async throws {
        let search = RoutePolicy(pathPrefix: "/search", policy: RateLimitPolicy(name: "route:/search", limits: [try RateLimit(name: "search.1m", 2, per: .seconds(60))]), cost: 2)
        let routed = try PolicySet(anonymous: RateLimitPolicy(name: "anonymous", limits: [try RateLimit(name: "anonymous.9m", 9, per: .seconds(60))]), routes: [search])
        let limiter = PolicyRateLimitMiddleware(policies: routed, store: GuardedStore.inMemory(InMemoryStore(clock: ManualClock())), addressResolver: ClientAddressResolver(trustedProxies: []))
        let chain = MiddlewareChain([RequestContextMiddleware(), limiter], handler: CountingHandler())
        // Cost 2 against the route's 2: the first search spends the route's whole limit.
        let first = try await serve(chain, target: "/search/books?q=x")
        #expect(first.response.status == .ok)
        #expect(first.response.headers["X-RateLimit-Remaining"] == "0")
        let second = try await serve(chain, target: "/search?page=2")
        #expect(second.response.status == .tooManyRequests)
        #expect(second.request.context?[RateLimitOutcomeKey.self]?.policy == "anonymous+route:/search")
        // Other paths, a longer name among them, are held only by the client's own limit: 9 less
        // the 2 the search spent, then one each.
        let other = try await serve(chain, target: "/items?search=1")
        #expect(other.response.status == .ok)
        #expect(other.response.headers["X-RateLimit-Remaining"] == "6")
        let longer = try await serve(chain, target: "/searchable")
        #expect(longer.response.status == .ok)
        #expect(longer.response.headers["X-RateLimit-Remaining"] == "5")
        #expect(longer.request.context?[RateLimitOutcomeKey.self]?.policy == "anonymous")
    }

    @Test func refusalsMadeAtDifferentTimesOrForOtherPoliciesCarryTheirOwnFields() async throws {
        let clock = ManualClock()
        let store = GuardedStore.inMemory(InMemoryStore(clock: clock))
        let chain = chain(store, CountingHandler())
        for _ in 0..<3 { _ = try await serve(chain) }
        let first = try await serve(chain).response
        clock.advance(by: .seconds(5))
        let later = try await serve(chain).response
        // One token per 20 s: the first refusal waits 20 s, the one 5 s later 15 s.
        #expect(first.headers["Retry-After"] == "20" && later.headers["Retry-After"] == "15")
        #expect(try await serve(chain).response.headers["Retry-After"] == "15")
        let other = try PolicySet(anonymous: RateLimitPolicy(name: "other", limits: [try RateLimit(name: "other.1m", 1, per: .seconds(60))]))
        let otherChain = MiddlewareChain([PolicyRateLimitMiddleware(policies: other, store: store, addressResolver: ClientAddressResolver(trustedProxies: []))], handler: CountingHandler())
        _ = try await serve(otherChain)
        let otherRefusal = try await serve(otherChain).response
        #expect(otherRefusal.status == .tooManyRequests)
        #expect(otherRefusal.headers["RateLimit-Policy"] == "\"other\";q=1;w=60")
        #expect(try await serve(chain).response.headers["RateLimit-Policy"] == "\"anonymous\";q=3;w=60")
    }

    @Test func outcomesAreLeftForAnAccessLogOnlyWhenAsked() async throws {
        let store = GuardedStore.inMemory(InMemoryStore(clock: ManualClock()))
        func outcome(recording: Bool) async throws -> RateLimitOutcome? {
            let limiter = PolicyRateLimitMiddleware(policies: policies, store: store, addressResolver: ClientAddressResolver(trustedProxies: []), recordsOutcomes: recording)
            let served = try await serve(MiddlewareChain([RequestContextMiddleware(), limiter], handler: CountingHandler()))
            #expect(served.response.status == .ok && served.response.headers["X-RateLimit-Limit"] == "3")
            return served.request.context?[RateLimitOutcomeKey.self]
        }
        #expect(try await outcome(recording: true) == RateLimitOutcome(policy: "anonymous", decision: "allowed", key: "ip:192.0.2.7"))
        #expect(try await outcome(recording: false) == nil)
    }

    @Test func policyNamesFromConfigurationAreEscapedInTheIETFFields() async throws {
        // A route's path prefix becomes part of a policy's name; `"` would end the String early.
        let odd = try PolicySet(anonymous: RateLimitPolicy(name: "route:/a\"b\\c", limits: [try RateLimit(name: "odd.1m", 1, per: .seconds(60))]))
        let limiter = PolicyRateLimitMiddleware(policies: odd, store: GuardedStore.inMemory(InMemoryStore(clock: ManualClock())), addressResolver: ClientAddressResolver(trustedProxies: []))
        let chain = MiddlewareChain([RequestContextMiddleware(), limiter], handler: CountingHandler())
        let allowed = try await serve(chain).response
        #expect(allowed.headers["RateLimit-Policy"] == "\"route:/a\\\"b\\\\c\";q=1;w=60")
        #expect(allowed.headers["RateLimit"] == "\"route:/a\\\"b\\\\c\";r=0;t=60")
        let refused = try await serve(chain).response
        #expect(refused.status == .tooManyRequests)
        #expect(refused.headers["RateLimit"] == "\"route:/a\\\"b\\\\c\";r=0;t=60")
    }

    @Test func storeThatMustBeAwaitedSpendsNothingOnTheSpot() async throws {
        let handler = CountingHandler()
        let clock = ManualClock()
        let awaited = GuardedStore(store: InMemoryStore(clock: clock), mode: .failClosed, timeout: .seconds(60), clock: clock)
        let chain = chain(awaited, handler)
        var request = makeRequest()
        #expect(chain.respondImmediately(to: &request) == nil)
        #expect(request.context?[RateLimitOutcomeKey.self] == nil)
        var statuses: [HTTPStatus] = []
        for _ in 0..<4 { statuses.append(try await serve(chain).response.status) }
        #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
        #expect(handler.calls.load(ordering: .relaxed) == 3)
    }

    /// Answers from a later turn of the loop (`respondLater`), as the reverse proxy does.
    final class LaterHandler: HTTPHandler {
        let handleCalls = Atomic<Int>(0)

        func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
            handleCalls.add(1, ordering: .relaxed)
            return HTTPResponse(status: .ok)
        }

        func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool {
            _ = responder.eventLoop.execute { responder.respond(HTTPResponse(status: .ok, body: .init(string: "later"))) }
            return true
        }
    }

    @Test func answersGivenLaterCarryTheLimitFieldsOfTheGoAheadDecidedOnTheSpot() async throws {
        let handler = LaterHandler()
        let limiter = PolicyRateLimitMiddleware(policies: policies, store: GuardedStore.inMemory(InMemoryStore(clock: ManualClock())), addressResolver: ClientAddressResolver(trustedProxies: []))
        try await withTestServer(handler: MiddlewareChain([RequestContextMiddleware(), limiter], handler: handler)) { port in
            let client = try BlockingHTTPClient(port: port)
            var remaining: [String?] = []
            for _ in 0..<3 {
                let response = try await client.get("/items")
                #expect(response.status == 200 && response.bodyText == "later")
                remaining.append(response.header("X-RateLimit-Remaining"))
            }
            #expect(remaining == ["2", "1", "0"])
            #expect(try await client.get("/items").status == 429)
        }
        #expect(handler.handleCalls.load(ordering: .relaxed) == 0)
    }
}
