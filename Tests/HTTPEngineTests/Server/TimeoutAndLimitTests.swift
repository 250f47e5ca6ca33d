import Synchronization
import Testing
import TestSupport
@testable import HTTPEngine

@Suite("Time-outs and connection limits")
struct TimeoutAndLimitTests {
    @Test func answersSlowHeadWith408AndCloses() async throws {
        try await withTestServer(configure: { $0.headerReadTimeout = .milliseconds(200) }, handler: okHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n")
                let response = try #require(try client.readResponse())
                #expect(response.status == 408)
                #expect(client.waitForClose())
            }
        }
    }

    @Test func answersConnectionThatNeverSendsARequestWith408() async throws {
        try await withTestServer(configure: { $0.headerReadTimeout = .milliseconds(200) }, handler: okHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                #expect(try client.readResponse()?.status == 408)
                #expect(client.waitForClose())
            }
        }
    }

    @Test func closesIdleKeepAliveConnection() async throws {
        try await withTestServer(configure: { $0.idleTimeout = .milliseconds(200) }, handler: okHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse()?.status == 200)
                #expect(client.waitForClose())
            }
        }
    }

    @Test func answersStalledBodyWith408() async throws {
        try await withTestServer(configure: { $0.idleTimeout = .milliseconds(200) }, handler: echoHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                let started = ContinuousClock.now
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
                #expect(try client.readResponse()?.status == 408)
                // At the 200 ms idle stall, not at the 20 s the whole body may take.
                #expect(ContinuousClock.now - started < .seconds(10))
                #expect(client.waitForClose())
            }
        }
    }

    @Test func dropsClientThatStopsReadingAndFailsTheWriter() async throws {
        let writerFailed = TestSignal()
        let handler = HTTPClosureHandler { _ in
            HTTPResponse(body: .stream { writer in
                let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
                do {
                    // Unbounded on purpose: only back-pressure plus the write time-out can stop it.
                    while true { try await writer.write(chunk) }
                } catch {
                    writerFailed.fire()
                    throw error
                }
            })
        }
        try await withTestServer(configure: { $0.writeTimeout = .milliseconds(300) }, handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            await writerFailed.wait()
            _ = client
        }
    }

    @Test func refusesConnectionsOverTheCapAndServesOnceOneFrees() async throws {
        try await withTestServer(configure: { $0.maxConnections = 2; $0.loopCount = 1 }, handler: okHandler) { server, port in
            try await blocking {
                var first: RawClient? = try RawClient(port: port)
                let second = try RawClient(port: port)
                for client in [first!, second] {
                    client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                    #expect(try client.readResponse()?.status == 200)
                }
                let excess = try RawClient(port: port)
                excess.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                // Either the 503 arrives or the close overtakes it (a reset); both refuse the client.
                let refused = (try? excess.readResponse()) ?? nil
                #expect(refused == nil || refused?.status == 503)
                #expect(excess.waitForClose())

                first = nil
                // The server notices the close on its own schedule; retry until a slot is free.
                let deadline = ContinuousClock.now + .seconds(60)
                var served = false
                while !served, ContinuousClock.now < deadline {
                    let next = try RawClient(port: port)
                    next.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                    served = ((try? next.readResponse()) ?? nil)?.status == 200
                }
                #expect(served)
                _ = second
            }
            _ = server
        }
    }

    @Test func drainsAnUnreadBodyAndKeepsTheConnection() async throws {
        try await withTestServer(handler: okHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n" + String(repeating: "x", count: 5000))
                #expect(try client.readResponse()?.status == 200)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse()?.status == 200)
            }
        }
    }

    @Test func closesInsteadOfDrainingAHugeUnreadBody() async throws {
        try await withTestServer(configure: { $0.maxDrainSize = 1000 }, handler: okHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 50000\r\n\r\nxx")
                let response = try #require(try client.readResponse())
                #expect(response.status == 200)
                #expect(response.headers["connection"] == "close")
                #expect(client.waitForClose())
            }
        }
    }
}
