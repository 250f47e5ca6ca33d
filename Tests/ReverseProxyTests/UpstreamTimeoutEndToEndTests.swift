import Foundation
import HTTPEngine
import TestSupport
import Testing
@testable import ReverseProxy

/// `upstreamTimeout` from the hostile side: it is a total wait for the response head, so a
/// backend that keeps sending signs of life without ever finishing a head is cut off at it. The
/// client's `responseTimeout`, which measures silence, is set far out (600 s) in each test, so
/// only the proxy's own bound can end the wait inside the test's time.
@Suite("The upstream time-out through real sockets", .serialized)
struct UpstreamTimeoutEndToEndTests {
    /// A client whose silence limit never comes into play.
    var patientClient: HTTPClientConfiguration {
        var configuration = HTTPClientConfiguration()
        configuration.responseTimeout = .seconds(600)
        return configuration
    }

    @Test func upstreamTimeoutIsOnByDefaultLikeNginxsProxyReadTimeout() throws {
        let pool = try BackendPool(name: "default", backends: [Backend(host: "127.0.0.1", port: 9)])
        #expect(ReverseProxyConfiguration(routes: [Route(pathPrefix: "/", pool: pool)]).upstreamTimeout == .seconds(60))
    }

    @Test func backendSlowerThanTheUpstreamTimeoutGives504AndStaysHealthy() async throws {
        let release = TestSignal()
        let slow = try await TestBackend(HTTPClosureHandler { _ in
            await release.wait()
            return HTTPResponse(status: .ok, body: .init(string: "late"))
        })
        defer { Task { release.fire(); await slow.stop() } }
        try await withProxy(clientConfiguration: patientClient, try catchAllConfiguration([slow], upstreamTimeout: .milliseconds(300))) { proxy in
            let started = ContinuousClock.now
            let response = try await fetch("/", port: proxy.port)
            let waited = ContinuousClock.now - started
            #expect(response.status == 504)
            #expect(response.bodyText.contains("\"error\":\"upstream_timeout\""))
            #expect(waited >= .milliseconds(300) && waited < .seconds(10), "\(waited)")
            #expect(proxy.handler.healthStatus[0].backends[0].isHealthy)
        }
    }

    /// `100 Continue` every 100 ms, without end: each is skipped as interim and each resets the
    /// silence clock, so only the total bound answers.
    @Test func backendSendingEndlessInterimResponsesGives504AtTheUpstreamTimeout() async throws {
        let backend = try TricklingBackend(unit: Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), interval: .milliseconds(100))
        defer { backend.stop() }
        try await expect504AtTheUpstreamTimeout(behind: backend)
    }

    /// A status line and then a header field one byte every 50 ms: at that pace the 32 KiB head
    /// limit would take half an hour.
    @Test func backendTricklingItsHeadGives504AtTheUpstreamTimeout() async throws {
        let backend = try TricklingBackend(prefix: Array("HTTP/1.1 200 OK\r\nX-Slow: ".utf8), unit: Array("a".utf8), interval: .milliseconds(50))
        defer { backend.stop() }
        try await expect504AtTheUpstreamTimeout(behind: backend)
    }

    func expect504AtTheUpstreamTimeout(behind backend: TricklingBackend) async throws {
        try await withProxy(clientConfiguration: patientClient, try catchAllConfiguration([backend], upstreamTimeout: .milliseconds(500))) { proxy in
            let started = ContinuousClock.now
            let response = try await fetch("/", port: proxy.port)
            let waited = ContinuousClock.now - started
            #expect(response.status == 504, "\(response.bodyText)")
            #expect(waited >= .milliseconds(500) && waited < .seconds(10), "\(waited)")
        }
    }
}
