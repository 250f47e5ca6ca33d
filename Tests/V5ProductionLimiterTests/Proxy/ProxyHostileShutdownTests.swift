import Foundation
import Glibc
import HTTPEngine
import Testing
import TestSupport

/// Shutdown from the hostile side, against the real binary: everything that could hold the exit
/// is held at once, and the process still exits 0 within the bound docs/rate-limit-proxy.md
/// promises (the grace period, then at most 1 s each for the admin listener, the upstream client
/// and the access log).
@Suite struct ProxyHostileShutdownTests {
    let group = try! EventLoopGroup(loopCount: 1)

    /// An upstream that never answers one request, a client that pipelines and never reads, an
    /// idle keep-alive connection to the admin listener, and an access log whose reader stopped
    /// with the writer's queue full: SIGTERM with a 1 s grace period ends in exit 0 within 5 s
    /// (1 + 4 × 1 s), the unwritten lines reported as dropped.
    // Each hold alone has a test of its own elsewhere; together they show the waits add up to the
    // documented sum and no more, and that no one of them is waited out for its own time-out
    // (the upstream's 60 s, the engine's 60 s idle time-out, a pipe that is never read).
    @Test func sigtermWithEveryWaitHeldExitsZeroWithinTheGracePeriodAndTheDocumentedCloses() async throws {
        let hung = TestSignal(), arrived = TestSignal()
        let upstream = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            handler: HTTPClosureHandler { request in
                switch request.path {
                case "/hang":
                    arrived.fire()
                    await hung.wait()
                    return HTTPResponse(body: .init(string: "late"))
                case "/big":
                    return HTTPResponse(body: .init(bytes: [UInt8](repeating: 120, count: 64 * 1024)))
                default:
                    return HTTPResponse(body: .init(string: "ok"))
                }
            },
            eventLoopGroup: group
        )
        let upstreamPort = try await upstream.start().port
        // Never read.
        let pipe = try StalledPipe()
        let proxy = try await ProxyProcess.start(
            arguments: ["--upstream", "http://127.0.0.1:\(upstreamPort)", "--rps", "1000000", "--burst", "1000000", "--shutdown-timeout", "1s"],
            standardOutput: pipe.path
        )
        let client = HTTPClient(eventLoopGroup: group)

        // Lines of about 4 KiB (the path is logged whole): 1,600 of them are more than the pipe's
        // 64 KiB and the writer's 4 MiB queue hold.
        let longPath = "/" + String(repeating: "a", count: 4_000)
        let statuses = try await getConcurrently(1_600, client, port: proxy.port, path: longPath)
        #expect(statuses.count == 1_600 && statuses.allSatisfy { $0 == 200 })
        let metrics = try await get(client, port: proxy.adminPort, path: "/metrics").body
        #expect(metrics.contains("proxy_access_log_dropped_lines_total ") && !metrics.contains("proxy_access_log_dropped_lines_total 0\n"), "the queue never filled")
        await client.shutdown()

        let waiting = try BlockingHTTPClient(port: proxy.port)
        try waiting.send(raw: Array("GET /hang HTTP/1.1\r\nHost: t\r\n\r\n".utf8))
        await arrived.wait()
        // 4 MiB of answers asked for and none read: the proxy's writes to this client stall.
        let pipelining = try BlockingHTTPClient(port: proxy.port)
        try pipelining.send(raw: Array([[UInt8]](repeating: Array("GET /big HTTP/1.1\r\nHost: t\r\n\r\n".utf8), count: 64).joined()))
        let idleAdmin = try BlockingHTTPClient(port: proxy.adminPort)
        #expect(try await idleAdmin.get("/healthz").status == 200)

        let signalled = ContinuousClock.now
        proxy.send(SIGTERM)
        let status = await proxy.exitStatus(timeout: .seconds(30))
        let elapsed = ContinuousClock.now - signalled
        #expect(status == 0)
        #expect(elapsed < .seconds(5), "exit \(elapsed) after SIGTERM")
        let log = proxy.lifecycleLog
        #expect(log.contains(#""event":"access_log_unflushed""#), "\(log)")
        let stopped = log.split(separator: "\n").first { $0.contains(#""event":"stopped""#) } ?? ""
        #expect(stopped.contains(#""access_log_dropped_lines":""#) && !stopped.contains(#""access_log_dropped_lines":"0""#), "\(stopped)")
        // The three clients held their connections until here, not only to their last use.
        withExtendedLifetime((waiting, pipelining, idleAdmin, pipe)) {}
        hung.fire()
        await upstream.shutdown(gracePeriod: .seconds(1))
    }
}
