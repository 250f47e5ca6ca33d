import Foundation
import HTTPEngine
import Testing
import TestSupport

/// Connections to a backend from the hostile side, through the real binary: clients that start
/// an upload and stall each hold a backend connection while the proxy waits for their bytes
/// (the request streams through, as in nginx with `proxy_request_buffering off`). By default
/// they cannot crowd other requests out; with `--upstream-max-connections` the operator caps
/// what a backend is sent, and a request past the cap waits for a connection, then gets 503.
@Suite struct ProxyUpstreamConnectionTests {
    let group = try! EventLoopGroup(loopCount: 1)

    /// 70 stalled uploads on one event loop: before, the client pool's 64 connections per loop
    /// were all held, the 65th upload and every later request waited, and a GET got 504 after
    /// the 5 s connect time-out. Now all 70 reach the backend and the GET is answered.
    @Test func stalledUploadsDoNotCrowdOtherRequestsOutOfTheBackend() async throws {
        let (upstream, port, entered, release) = try await holdingUpstream()
        let proxy = try await ProxyProcess.start(arguments: [
            "--upstream", "http://127.0.0.1:\(port)", "--event-loops", "1", "--rps", "1000000", "--burst", "1000000", "--access-log", "off",
        ])
        let uploaders = try (0..<70).map { _ in try startStalledUpload(port: proxy.port) }
        #expect(await wait(until: { entered.value == 70 }), "\(entered.value) of 70 uploads reached the backend")
        let started = ContinuousClock.now
        let response = try await BlockingHTTPClient(port: proxy.port).get("/small")
        #expect(response.status == 200, "\(response.bodyText)")
        #expect(ContinuousClock.now - started < .seconds(4))
        release.fire()
        withExtendedLifetime(uploaders) {}
        await upstream.shutdown(gracePeriod: .seconds(1))
    }

    /// `--upstream-max-connections 2` (one loop, so both are its share): two stalled uploads hold
    /// the backend's two connections, and a GET waits in the pool's queue until the 500 ms
    /// connect time-out, then gets 503 `upstream_unavailable`; the backend never sees a third.
    @Test func aRequestPastTheUpstreamCapWaitsForTheConnectTimeoutThenGets503() async throws {
        let (upstream, port, entered, release) = try await holdingUpstream()
        let proxy = try await ProxyProcess.start(arguments: [
            "--upstream", "http://127.0.0.1:\(port)", "--upstream-max-connections", "2", "--upstream-connect-timeout", "500ms", "--event-loops", "1",
            "--rps", "1000000", "--burst", "1000000", "--access-log", "off",
        ])
        let uploaders = try (0..<2).map { _ in try startStalledUpload(port: proxy.port) }
        #expect(await wait(until: { entered.value == 2 }))
        let started = ContinuousClock.now
        let response = try await BlockingHTTPClient(port: proxy.port).get("/small")
        let waited = ContinuousClock.now - started
        #expect(response.status == 503 && response.bodyText.contains("upstream_unavailable"), "\(response.status) \(response.bodyText)")
        #expect(waited >= .milliseconds(500) && waited < .seconds(4), "\(waited)")
        #expect(entered.value == 2)
        release.fire()
        withExtendedLifetime(uploaders) {}
        await upstream.shutdown(gracePeriod: .seconds(1))
    }

    /// A client that sends the head of a 1 MB upload and 100 bytes of it, then nothing.
    func startStalledUpload(port: UInt16) throws -> BlockingHTTPClient {
        let client = try BlockingHTTPClient(port: port)
        try client.send(raw: Array("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n".utf8) + [UInt8](repeating: 0x61, count: 100))
        return client
    }

    /// Polls `condition` (other processes' progress) for up to 30 s.
    func wait(until condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            // A pause between polls; no result depends on its length.
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// An upstream counting the uploads that reach it, each of which reads its body until
    /// `release` fires; anything else is answered at once.
    func holdingUpstream() async throws -> (HTTPServer, UInt16, Counter, TestSignal) {
        let entered = Counter()
        let release = TestSignal()
        let upstream = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            handler: HTTPClosureHandler { request in
                guard request.path == "/upload" else { return HTTPResponse(body: .init(string: "ok")) }
                entered.increment()
                await release.wait()
                return HTTPResponse(body: .init(string: "late"))
            },
            eventLoopGroup: group
        )
        return (upstream, try await upstream.start().port, entered, release)
    }
}
