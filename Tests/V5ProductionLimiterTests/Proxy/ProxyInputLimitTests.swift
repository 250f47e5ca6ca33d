import Foundation
import HTTPEngine
import Testing

/// The limits the proxy takes from the engine, sent to the real binary (a suite of its own, not
/// serialized: one case waits out the 10 s head time-out).
@Suite struct ProxyInputLimitTests {
    let group = try! EventLoopGroup(loopCount: 1)

    /// The engine's limits, which the proxy documents as its own: each answered before the
    /// limiter spends anything (the burst of one is still there afterwards).
    @Test func theEnginesLimitsHoldInFrontOfTheLimiter() async throws {
        let proxy = try await ProxyProcess.start(arguments: ["--rps", "0.01", "--burst", "1"])
        func answer(_ raw: String) async throws -> Int {
            try await BlockingHTTPClient(port: proxy.port).exchange(raw: Array(raw.utf8)).status
        }
        #expect(try await answer("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 33 * 1024))\r\n\r\n") == 431)
        #expect(try await answer("GET / HTTP/1.1\r\nHost: x\r\n" + (0..<101).map { "X-F\($0): v\r\n" }.joined() + "\r\n") == 431)
        #expect(try await answer("GET /\(String(repeating: "a", count: 9 * 1024)) HTTP/1.1\r\nHost: x\r\n\r\n") == 414)
        #expect(try await answer("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 67108865\r\n\r\n") == 413)
        // Half a head, then nothing: cut off at the 10 s head time-out, not at the 60 s idle one.
        let started = ContinuousClock.now
        #expect(try await answer("GET / HTTP/1.1\r\nHost: x\r\n") == 408)
        let waited = ContinuousClock.now - started
        #expect(waited >= .seconds(9) && waited < .seconds(30), "\(waited)")
        #expect(try await answer("GET / HTTP/1.1\r\nHost: x\r\n\r\n") == 200)
    }

    /// The head bound times many connections: 500 clients each holding 31 KiB of a head that
    /// never ends (under the 32 KiB limit, so none is refused) cost the proxy about a buffer each,
    /// not more. Measured: ~51 KiB of resident memory a connection (the receive buffer doubles to
    /// 64 KiB to hold 31 KiB and a read's room); the bound, 96 KiB, still catches a buffer that
    /// grew without limit.
    @Test func fiveHundredUnfinishedHeadsCostAboutABufferEach() async throws {
        let proxy = try await ProxyProcess.start(arguments: ["--max-connections", "2000", "--access-log", "off"])
        let client = HTTPClient(eventLoopGroup: group)
        let before = try #require(ProxyAccessLogTests.residentBytes(of: proxy.pid))
        let head = Array("GET / HTTP/1.1\r\nHost: x\r\nX-Pad: \(String(repeating: "a", count: 31 * 1024))".utf8)
        var holders: [BlockingHTTPClient] = []
        for _ in 0..<500 {
            let holder = try BlockingHTTPClient(port: proxy.port)
            try holder.send(raw: head)
            holders.append(holder)
        }
        #expect(try await proxy.waitForMetric("proxy_connections_open 500", client: client, timeout: .seconds(30)))
        // The proxy reads on its own schedule: wait until its memory stops growing.
        var resident = before
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            let now = try #require(ProxyAccessLogTests.residentBytes(of: proxy.pid))
            if now == resident { break }
            resident = now
        }
        let perConnection = (resident - before) / 500
        #expect(perConnection < 96 << 10, "\(perConnection) bytes a connection")
        // Still serving, within its own limits.
        #expect(try await get(client, port: proxy.port).status == 200)
        holders.removeAll()
        await client.shutdown()
    }
}
