import HTTPEngine
import TestSupport
import Testing
@testable import ReverseProxy

/// Rows of docs/reverse-proxy.md's failure table that other suites leave out, attacked through
/// real sockets: a backend whose connects are never answered, one that answers garbage, and more
/// requests than the client's pool for a backend may hold.
@Suite("Upstream failures: connect time-outs, garbage, a full pool", .serialized)
struct UpstreamFailureEndToEndTests {
    /// A response the client cannot parse is 502, sent to one backend only (the backend may have
    /// acted on the request, so it is not repeated), and neither backend is marked down: the
    /// backend is up and talking, only wrongly, and taking it out would not help the next request.
    @Test func aMalformedResponseIs502FromOneBackendThatStaysHealthy() async throws {
        let garbage = Array("HTTP/1.1 200 OK\r\nContent-Length: twelve\r\n\r\n".utf8)
        let first = try ClosingBackend(bodyBytes: 0, reply: garbage)
        let second = try ClosingBackend(bodyBytes: 0, reply: garbage)
        defer { first.stop(); second.stop() }
        try await withProxy(try catchAllConfiguration([first, second], clock: ManualProxyClock())) { proxy in
            let response = try await fetch("/", port: proxy.port)
            #expect(response.status == 502)
            #expect(response.bodyText.contains("\"error\":\"bad_gateway\""))
            #expect(first.requests + second.requests == 1, "a malformed answer is not retried")
            #expect(proxy.handler.healthStatus[0].backends.allSatisfy { $0.isHealthy })
            // Both still take their turns.
            _ = try await fetch("/", port: proxy.port)
            #expect(first.requests == 1 && second.requests == 1)
        }
    }

    /// One loop, a client pool of at most 2 connections and 2 waiting requests per backend,
    /// and 12 requests at once to two backends that hold them all: round-robin gives each 6, of
    /// which 2 are sent, 2 wait and 2 are answered 503 `upstream_unavailable` at once. Neither
    /// backend sees more than 2 at a time, the 8 others are answered once they let go, and
    /// neither is marked down (busy is not dead: taking one out would double the other's load).
    @Test func requestsBeyondTheClientsPoolAre503AtOnceAndTheBackendsStayHealthy() async throws {
        let release = TestSignal(), allHeld = TestSignal()
        let concurrent = Mutexed((now: 0, most: 0, total: 0))
        let hold = HTTPClosureHandler { _ in
            let held = concurrent.withLock { counts in
                counts.now += 1
                counts.most = max(counts.most, counts.now)
                counts.total += 1
                return counts.now
            }
            if held == 4 { allHeld.fire() }
            await release.wait()
            concurrent.withLock { $0.now -= 1 }
            return HTTPResponse(status: .ok, body: .init(string: "held"))
        }
        let first = try await TestBackend(hold)
        let second = try await TestBackend(hold)
        defer { Task { release.fire(); await first.stop(); await second.stop() } }
        var client = HTTPClientConfiguration()
        client.maxConnectionsPerUpstream = 2
        client.maxWaitingRequests = 2
        try await withProxy(clientConfiguration: client, loopCount: 1, try catchAllConfiguration([first, second])) { proxy in
            try await withThrowingTaskGroup(of: ReceivedResponse.self) { tasks in
                for _ in 0..<12 { tasks.addTask { try await fetch("/", port: proxy.port) } }
                var turnedAway: [ReceivedResponse] = []
                // The first 4 answers come while the backends still hold theirs: nothing else can end.
                for _ in 0..<4 { if let response = try await tasks.next() { turnedAway.append(response) } }
                #expect(turnedAway.allSatisfy { $0.status == 503 && $0.bodyText.contains("\"error\":\"upstream_unavailable\"") },
                        "\(turnedAway.map(\.status))")
                #expect(proxy.handler.healthStatus[0].backends.allSatisfy { $0.isHealthy })
                // Connections take a while on a loaded, sanitized run: the refusals can come
                // before the four sent requests have reached the backends.
                await allHeld.wait()
                release.fire()
                var served: [Int] = []
                for try await response in tasks { served.append(response.status) }
                #expect(served == Array(repeating: 200, count: 8))
            }
            #expect(concurrent.withLock { $0.most } == 4)
            #expect(concurrent.withLock { $0.total } == 8)
            #expect(proxy.handler.healthStatus[0].backends.allSatisfy { $0.isHealthy })
        }
    }

    /// A backend whose connects are never answered, beside one that answers: the connect
    /// time-out (200 ms here) ends the wait, the request goes to the other backend (nothing was
    /// sent, so repeating is safe) and is answered, and the silent backend is marked down.
    @Test func aConnectTimeOutIsRetriedOnTheOtherBackendAndMarksTheSilentOneDown() async throws {
        let silent = try BlackHoleListener()
        defer { silent.close() }
        let answering = try await TestBackend(HTTPClosureHandler { _ in HTTPResponse(status: .ok, body: .init(string: "answered")) })
        defer { Task { await answering.stop() } }
        var client = HTTPClientConfiguration()
        client.connectTimeout = .milliseconds(200)
        try await withProxy(clientConfiguration: client, try catchAllConfiguration([silent, answering], clock: ManualProxyClock())) { proxy in
            // Round-robin sends one of the two to the silent backend first.
            for _ in 0..<2 {
                let response = try await fetch("/", port: proxy.port)
                #expect(response.status == 200 && response.bodyText == "answered")
            }
            let backends = proxy.handler.healthStatus[0].backends
            #expect(!backends[0].isHealthy)
            #expect(backends[0].lastFailure?.contains("timed out") == true, "\(String(describing: backends[0].lastFailure))")
            #expect(backends[1].isHealthy)
        }
    }

    /// The only backend's connects are never answered: 504 `upstream_timeout` at the connect
    /// time-out, not after the kernel's two minutes of SYN retries.
    @Test func aBackendWhoseConnectsAreNeverAnsweredIs504AtTheConnectTimeOut() async throws {
        let silent = try BlackHoleListener()
        defer { silent.close() }
        var client = HTTPClientConfiguration()
        client.connectTimeout = .milliseconds(200)
        try await withProxy(clientConfiguration: client, try catchAllConfiguration([silent], clock: ManualProxyClock())) { proxy in
            let started = ContinuousClock.now
            let response = try await fetch("/", port: proxy.port)
            #expect(response.status == 504)
            #expect(response.bodyText.contains("\"error\":\"upstream_timeout\""))
            // Room for a loaded, sanitized run; far below the kernel's 127 s.
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }
}
