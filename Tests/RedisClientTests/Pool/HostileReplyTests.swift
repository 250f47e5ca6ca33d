import HTTPEngine
import RedisClient
import RedisTestSupport
import Testing

/// Replies no real Redis sends, from a peer that sends them on purpose: past the decoder's
/// limits, the waiting caller gets `.protocol` and the connection is closed, since nothing after
/// a reply that cannot be read can be matched to its command; the next command gets a new one.
@Suite struct HostileReplyTests {
    @Test(arguments: [
        ("a bulk string one byte over the limit", "$67108865\r\n"),
        ("an array one element over the limit", "*1048577\r\n"),
        ("a line without its end", "+" + String(repeating: "a", count: 70_000)),
        ("an unknown type byte", "?what\r\n"),
    ])
    func aReplyPastTheDecodersLimitsFailsItsCallerAndTheNextCommandGetsANewConnection(case name: String, garbage: String) async throws {
        let peer = try HostileRedisPeer { connection in Array((connection == 0 ? garbage : "+PONG\r\n").utf8) }
        defer { peer.stop() }
        try await withPool(port: peer.port, configuration: .patient) { pool, _ async throws in
            let started = ContinuousClock.now
            let failure = await error { try await pool.send(["PING"]) } as? RedisError
            guard case .protocol = failure else {
                Issue.record("\(name): got \(String(describing: failure))")
                return
            }
            // At once: the 30 s command time-out played no part.
            #expect(ContinuousClock.now - started < .seconds(10), "\(name)")
            let reply = try await pool.send(["PING"])
            #expect(reply == .simpleString("PONG"), "\(name)")
            #expect(peer.connectionCount == 2, "\(name)")
        }
    }
}
