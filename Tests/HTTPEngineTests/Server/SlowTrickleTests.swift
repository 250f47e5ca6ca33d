import Testing
import TestSupport
@testable import HTTPEngine

/// A client that sends one byte at a time, each well inside the stall time-out, must still
/// be cut off: heads by their total deadline, bodies by the minimum receive rate.
@Suite("Slow trickle")
struct SlowTrickleTests {
    /// How long a client trickles before giving up on the server. A server without the cut-off
    /// under test keeps reading all that time (one byte per 50 ms is far inside every stall
    /// time-out), so a response within `cutOffBound`, half of it, proves the cut-off.
    static let giveUp = Duration.seconds(60)
    /// The cut-off comes about half a second in; the rest is room for a loaded machine.
    static let cutOffBound = Duration.seconds(30)

    /// Sends `prefix`, then one byte of `trickle` every `interval` until the server answers
    /// or closes; returns the response and how long that took.
    static func trickle(port: UInt16, prefix: String, byte: UInt8, interval: Duration, giveUpAfter limit: Duration) throws -> (response: TestResponse?, elapsed: Duration) {
        let client = try RawClient(port: port)
        let start = ContinuousClock.now
        client.send(prefix)
        while ContinuousClock.now - start < limit {
            client.send([byte])
            do {
                // Waits on the socket for the interval: an answer ends the trickle at once.
                _ = try client.receiveMore(before: .now + interval)
                break
            } catch RawClientError.timedOut {
                continue
            }
        }
        let response = try client.readResponse(timeout: .seconds(5))
        return (response, ContinuousClock.now - start)
    }

    @Test func headTrickledByteByByteTimesOutAtItsTotalDeadline() async throws {
        try await withTestServer(configure: {
            $0.headerReadTimeout = .milliseconds(400)
            $0.idleTimeout = .seconds(30)
        }, handler: okHandler) { _, port in
            let (response, elapsed) = try await blocking {
                try Self.trickle(port: port, prefix: "GET / HTTP/1.1\r\nX-Slow: ", byte: UInt8(ascii: "a"), interval: .milliseconds(50), giveUpAfter: Self.giveUp)
            }
            #expect(response?.status == 408)
            #expect(elapsed < Self.cutOffBound)
        }
    }

    @Test func bodyTrickledBelowTheMinimumRateTimesOut() async throws {
        try await withTestServer(configure: {
            $0.requestBodyTimeout = .milliseconds(400)
            $0.minRequestBodyRate = 100
            // The stall time-out alone would never fire: a byte comes every 50 ms.
            $0.idleTimeout = .seconds(30)
        }, handler: echoHandler) { _, port in
            let (response, elapsed) = try await blocking {
                try Self.trickle(port: port, prefix: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n", byte: UInt8(ascii: "b"), interval: .milliseconds(50), giveUpAfter: Self.giveUp)
            }
            #expect(response?.status == 408)
            #expect(elapsed < Self.cutOffBound)
        }
    }

    @Test func bodyAtAnAcceptableRateIsNotCutOff() async throws {
        // 64 KiB in 16 blocks of 4 KiB every 20 ms is far above 1 KiB/s; the 300 ms allowance
        // plus 64 s of rate credit is never reached.
        try await withTestServer(configure: {
            $0.requestBodyTimeout = .milliseconds(300)
            $0.minRequestBodyRate = 1024
        }, handler: echoHandler) { _, port in
            let response = try await blocking {
                let client = try RawClient(port: port)
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: \(16 * 4096)\r\n\r\n")
                for _ in 0..<16 {
                    client.send([UInt8](repeating: 0x63, count: 4096))
                    _ = try? client.receiveMore(before: .now + .milliseconds(20))
                }
                return try client.readResponse()
            }
            #expect(response?.status == 200)
            #expect(response?.body.count == 16 * 4096)
        }
    }

    /// Time the handler keeps the body paused (not reading) is not the client's fault.
    @Test func timeTheHandlerDoesNotReadIsNotCountedAgainstTheClient() async throws {
        let release = TestSignal()
        let handler = HTTPClosureHandler { request in
            // With Expect: 100-continue the client sends nothing until the handler reads.
            await release.wait()
            let body = try await request.body.collect(upTo: 1024)
            return HTTPResponse(body: .init(bytes: body))
        }
        try await withTestServer(configure: {
            $0.requestBodyTimeout = .milliseconds(200)
            $0.minRequestBodyRate = 100
        }, handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            // Longer than the body allowance while the handler holds the body back.
            let outcome = try await blocking { () -> Bool in
                do {
                    _ = try client.receiveMore(before: .now + .milliseconds(600))
                    return true
                } catch RawClientError.timedOut {
                    return false
                }
            }
            #expect(!outcome, "the server answered or closed while the handler held the body back")
            release.fire()
            let response = try await blocking { () -> TestResponse? in
                client.send("hello")
                let first = try client.readResponse()
                return first?.status == 100 ? try client.readResponse() : first
            }
            #expect(response?.status == 200)
            #expect(response?.bodyText == "hello")
        }
    }
}
