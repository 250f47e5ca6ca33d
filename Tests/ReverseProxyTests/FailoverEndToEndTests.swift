import HTTPEngine
import TestSupport
import Testing
@testable import ReverseProxy

@Suite("Failover, health checks and upstream errors through real sockets", .serialized)
struct FailoverEndToEndTests {
    /// Sends `count` GETs, each on its own connection, and returns what answered.
    func bodies(_ count: Int, port: UInt16) async throws -> [String] {
        var bodies: [String] = []
        for _ in 0..<count {
            let response = try await fetch("/", port: port)
            bodies.append(response.status == 200 ? response.bodyText : "status \(response.status)")
        }
        return bodies
    }

    @Test func refusedConnectionsAreAnswered502AndTheBackendsThenCount503UntilTheirPassiveTimeout() async throws {
        let gone = try RefusingPort()
        let alsoGone = try RefusingPort()
        // A manual clock: on the system clock a starved ThreadSanitizer run let the 10 s passive
        // time-out lapse between the two requests, and the second one was tried (502) again.
        let clock = ManualProxyClock()
        try await withProxy(try catchAllConfiguration([gone, alsoGone], clock: clock)) { proxy in
            // Refused by one, retried on the other, refused again.
            let first = try await fetch("/", port: proxy.port)
            #expect(first.status == 502)
            #expect(first.bodyText.contains("\"error\":\"bad_gateway\""))
            #expect(first.bodyText.contains("refused"))
            let second = try await fetch("/", port: proxy.port)
            #expect(second.status == 503)
            #expect(second.bodyText.contains("\"error\":\"no_healthy_backend\""))
            let status = try #require(proxy.handler.healthStatus.first?.backends.first)
            #expect(!status.isHealthy)
            #expect(status.lastFailure?.contains("refused") == true)

            clock.advance(by: .seconds(10))
            let afterTimeout = try await fetch("/", port: proxy.port)
            #expect(afterTimeout.status == 502, "the backends are tried again once their passive time-out is over")
        }
    }

    @Test func theOnlyBackendOfAPoolIsTriedByEveryRequestWhileItRefuses() async throws {
        let gone = try RefusingPort()
        try await withProxy(try catchAllConfiguration([gone], clock: ManualProxyClock())) { proxy in
            // Each is refused and says so; none is turned away unasked (nginx's rule for a single server).
            for _ in 0..<3 {
                let response = try await fetch("/", port: proxy.port)
                #expect(response.status == 502)
                #expect(response.bodyText.contains("refused"))
            }
            let status = try #require(proxy.handler.healthStatus.first?.backends.first)
            #expect(status.isHealthy)
            #expect(status.lastFailure?.contains("refused") == true)
        }
    }

    @Test func clientWaitingForContinueGetsTheErrorInsteadWhenNoBackendAnswers() async throws {
        let gone = try RefusingPort()
        try await withProxy(try catchAllConfiguration([gone])) { proxy in
            let response = try await blocking {
                let client = try ProxyTestClient(port: proxy.port)
                client.send("PUT /file HTTP/1.1\r\nHost: proxy.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                return try client.readResponse(stopAtInterim: true)
            }
            // No `100 Continue` first: the client is spared sending a body nobody will take.
            #expect(response.status == 502)
        }
    }

    @Test func stoppedBackendIsFailedOverWithoutAnErrorAndComesBackAfterPassedChecks() async throws {
        let alpha = try await TestBackend(namedHandler("alpha"))
        let beta = try await TestBackend(namedHandler("beta"))
        defer { Task { await alpha.stop(); await beta.stop() } }
        let clock = ManualProxyClock()
        let checks = HealthCheckConfiguration(path: "/health", interval: .seconds(5), timeout: .seconds(5), healthyThreshold: 2, unhealthyThreshold: 2, jitter: .zero)
        try await withProxy(try catchAllConfiguration([alpha, beta], healthCheck: checks, clock: clock)) { proxy in
            let checker = Task { await proxy.handler.makeHealthChecker().run() }
            defer { checker.cancel() }
            // The first round of checks (at time zero) is done once both schedules sleep again.
            await clock.waitForSleepers(count: 2)
            #expect(Set(try await bodies(4, port: proxy.port)) == ["alpha", "beta"])

            await alpha.stop()
            // Every request is answered; the one that meets the dead backend is retried on the other.
            #expect(try await bodies(6, port: proxy.port) == Array(repeating: "beta", count: 6))
            let down = proxy.handler.healthStatus[0].backends[0]
            #expect(!down.isHealthy)
            #expect(down.lastFailure?.contains("refused") == true)

            try await alpha.restart()
            clock.advance(by: .seconds(5))
            await clock.waitForSleepers(count: 2)
            // One passed check is below the healthy threshold of two.
            #expect(!proxy.handler.healthStatus[0].backends[0].isHealthy)
            #expect(try await bodies(2, port: proxy.port) == ["beta", "beta"])
            clock.advance(by: .seconds(5))
            await clock.waitForSleepers(count: 2)
            #expect(proxy.handler.healthStatus[0].backends[0].isHealthy)
            #expect(Set(try await bodies(4, port: proxy.port)) == ["alpha", "beta"])
        }
    }

    @Test func allBackendsFoundDownByChecksGive503WithoutTryingThem() async throws {
        let alpha = try await TestBackend(namedHandler("alpha"))
        let beta = try await TestBackend(namedHandler("beta"))
        let clock = ManualProxyClock()
        let checks = HealthCheckConfiguration(interval: .seconds(5), timeout: .seconds(5), healthyThreshold: 1, unhealthyThreshold: 1, jitter: .zero)
        try await withProxy(try catchAllConfiguration([alpha, beta], healthCheck: checks, clock: clock)) { proxy in
            let checker = Task { await proxy.handler.makeHealthChecker().run() }
            defer { checker.cancel() }
            await clock.waitForSleepers(count: 2)
            await alpha.stop()
            await beta.stop()
            clock.advance(by: .seconds(5))
            await clock.waitForSleepers(count: 2)
            #expect(proxy.handler.healthStatus[0].healthyCount == 0)
            let response = try await fetch("/", port: proxy.port)
            #expect(response.status == 503)
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.bodyText.contains("no_healthy_backend"))
        }
    }

    @Test func idempotentRequestClosedOnBeforeAnAnswerIsRetriedOnceOnTheNextBackend() async throws {
        let first = try ClosingBackend(bodyBytes: 0)
        let second = try ClosingBackend(bodyBytes: 0)
        defer { first.stop(); second.stop() }
        let pool = try BackendPool(name: "closing", backends: [first.backend, second.backend])
        try await withProxy(ReverseProxyConfiguration(routes: [Route(pathPrefix: "/", pool: pool)])) { proxy in
            let response = try await fetch("/", port: proxy.port)
            #expect(response.status == 502)
            #expect(response.bodyText.contains("closed the connection"))
        }
        #expect(first.requests == 1)
        #expect(second.requests == 1)
    }

    @Test func aRequestEveryBackendClosesOnIsSentTwiceInAllNeverAThirdTime() async throws {
        let backends = try (0..<4).map { _ in try ClosingBackend(bodyBytes: 0) }
        defer { for backend in backends { backend.stop() } }
        let pool = try BackendPool(name: "closing", backends: backends.map(\.backend))
        try await withProxy(ReverseProxyConfiguration(routes: [Route(pathPrefix: "/", pool: pool)])) { proxy in
            let first = try await fetch("/", port: proxy.port)
            #expect(first.status == 502)
            // Two backends of four took it: the first and the one retry, never a third.
            #expect(backends.map(\.requests).reduce(0, +) == 2)
            // Each closed before answering, so each is out: the next request has the other two,
            // and the one after that none.
            let second = try await fetch("/", port: proxy.port)
            #expect(second.status == 502)
            #expect(backends.map(\.requests) == [1, 1, 1, 1])
            let third = try await fetch("/", port: proxy.port)
            #expect(third.status == 503)
        }
        #expect(backends.map(\.requests).reduce(0, +) == 4)
    }

    @Test func postWhoseBodyWasSentIsNotRetriedWhenTheBackendClosesBeforeAnswering() async throws {
        let first = try ClosingBackend(bodyBytes: 5)
        let second = try ClosingBackend(bodyBytes: 5)
        defer { first.stop(); second.stop() }
        let pool = try BackendPool(name: "closing", backends: [first.backend, second.backend])
        try await withProxy(ReverseProxyConfiguration(routes: [Route(pathPrefix: "/", pool: pool)])) { proxy in
            let response = try await blocking {
                let client = try ProxyTestClient(port: proxy.port)
                client.send("POST / HTTP/1.1\r\nHost: proxy.test\r\nContent-Length: 5\r\n\r\nhello")
                return try client.readResponse()
            }
            #expect(response.status == 502)
        }
        // Exactly one backend saw the POST: repeating it could have run it twice.
        #expect(first.requests + second.requests == 1)
    }
}
