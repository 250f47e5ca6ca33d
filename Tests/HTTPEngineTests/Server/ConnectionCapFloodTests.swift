import Testing
import TestSupport
@testable import HTTPEngine

/// `maxConnections` attacked from the hostile side: a flood of simultaneous connections that the
/// kernel spreads over both loops, each held open once served. The polite test beside
/// (`refusesConnectionsOverTheCapAndServesOnceOneFrees`) opens one connection at a time on one loop.
@Suite("The connection cap under a flood")
struct ConnectionCapFloodTests {
    static let cap = 8
    static let threads = 4
    static let connectionsPerThread = 24

    @Test func aFloodOverBothLoopsIsNeverServedPastTheCapAndLeaksNoSlot() async throws {
        try await withTestServer(configure: { $0.maxConnections = Self.cap; $0.loopCount = 2 }, handler: okHandler) { server, port in
            // Every thread connects and asks at once; a served connection stays open to the end, so
            // every 200 counts against the cap at the same time.
            // Gathered into `held` alone, so that emptying it closes them.
            var held: [RawClient] = []
            var refusals: [Refusal] = []
            for attempts in await runOnThreads(Self.threads, { _ in Self.connectAndAsk(port: port, times: Self.connectionsPerThread) }) {
                held += attempts.held
                refusals += attempts.refusals
            }
            let served = held.count
            #expect(served <= Self.cap)
            #expect(served >= 1)
            #expect(served + refusals.count == Self.threads * Self.connectionsPerThread)
            // A refusal is a 503 or a reset that overtakes it; both end in a close.
            #expect(refusals.allSatisfy { ($0.status == nil || $0.status == 503) && $0.wasClosed })
            // Each refusal gave its slot back: the count settles at the connections still held.
            #expect(await waitUntil(deadline: .now + .seconds(30)) { server.connectionCount == served })
            held.removeAll()
            #expect(await waitUntil(deadline: .now + .seconds(30)) { server.connectionCount == 0 })
            // And the whole cap is free again: `cap` fresh connections are all served.
            let fresh = try await blocking {
                try (0..<Self.cap).map { _ in
                    let client = try RawClient(port: port)
                    client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                    return (client, try client.readResponse()?.status)
                }
            }
            #expect(fresh.map(\.1) == Array(repeating: 200, count: Self.cap))
        }
    }

    /// How a refused connection ended: the status read (nil: none, a reset overtook it) and
    /// whether the server closed it.
    struct Refusal: Sendable {
        var status: Int?
        var wasClosed: Bool
    }

    /// One thread's connections: those served (kept open) and how the others were refused.
    struct Attempts: Sendable {
        var held: [RawClient] = []
        var refusals: [Refusal] = []
    }

    /// Opens `times` connections one after another, each asking once.
    static func connectAndAsk(port: UInt16, times: Int) -> Attempts {
        var attempts = Attempts()
        for _ in 0..<times {
            guard let client = try? RawClient(port: port) else { continue }
            client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let status = ((try? client.readResponse(timeout: .seconds(30))) ?? nil)?.status
            if status == 200 {
                attempts.held.append(client)
            } else {
                attempts.refusals.append(Refusal(status: status, wasClosed: client.waitForClose(timeout: .seconds(30))))
            }
        }
        return attempts
    }
}
