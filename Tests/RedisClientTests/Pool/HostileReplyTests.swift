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
        // A command time-out no run reaches, so `.protocol` (not `.timedOut`) shows the reply
        // itself ended the wait. (A bound on the elapsed time did not hold: a ThreadSanitizer run
        // in CI, under four other jobs, took 24 s.)
        let configuration = RedisClientConfiguration(connectTimeout: .seconds(60), commandTimeout: .seconds(600))
        try await withPool(port: peer.port, configuration: configuration) { pool, _ async throws in
            let failure = await error { try await pool.send(["PING"]) } as? RedisError
            guard case .protocol = failure else {
                Issue.record("\(name): got \(String(describing: failure))")
                return
            }
            let reply = try await pool.send(["PING"])
            #expect(reply == .simpleString("PONG"), "\(name)")
            #expect(peer.connectionCount == 2, "\(name)")
        }
    }
}
