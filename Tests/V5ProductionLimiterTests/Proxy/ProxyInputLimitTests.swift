import Foundation
import HTTPEngine
import Testing

/// The limits the proxy takes from the engine, sent to the real binary (a suite of its own, not
/// serialized: one case waits out the 10 s head time-out).
@Suite struct ProxyInputLimitTests {
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
}
