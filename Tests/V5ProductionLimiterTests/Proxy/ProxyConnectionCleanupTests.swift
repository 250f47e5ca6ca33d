import Foundation
import Glibc
import Synchronization
import HTTPEngine
import Testing
import TestSupport

/// Every way a client can leave a connection, against the real binary: once those clients are
/// gone, the proxy holds none of their connections (without waiting for a time-out), and a kept
/// one is still served.
@Suite struct ProxyConnectionCleanupTests {
    let group = try! EventLoopGroup(loopCount: 1)

    @Test func connectionsAbandonedInEveryWayAreAllClosedByTheProxy() async throws {
        let gate = TestSignal()
        // Received and answered `/held` requests, for the failure message: a connection still
        // open while its request is unanswered waits on the upstream, not on the proxy.
        let heldReceived = Atomic<Int>(0)
        let heldAnswered = Atomic<Int>(0)
        let upstream = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            handler: HTTPClosureHandler { request in
                // `/held` is answered only once the test has let its clients go.
                if request.path == "/held" {
                    heldReceived.add(1, ordering: .relaxed)
                    await gate.wait()
                    heldAnswered.add(1, ordering: .relaxed)
                }
                return HTTPResponse(body: .init(string: "served"))
            },
            eventLoopGroup: group
        )
        let upstreamPort = try await upstream.start().port
        // Time-outs far past the deadline below, so a close the proxy missed cannot be covered by one.
        let proxy = try await ProxyProcess.start(arguments: [
            "--upstream", "http://127.0.0.1:\(upstreamPort)", "--rps", "1000000", "--burst", "1000000", "--access-log", "off",
            "--client-header-timeout", "600s", "--client-idle-timeout", "600s",
        ])
        let kept = try BlockingHTTPClient(port: proxy.port)
        #expect(try await kept.get("/").status == 200)
        #expect(Self.clientConnectionStates(of: proxy.pid, port: proxy.port).count == 1)

        let heldRequest = Array("GET /held HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
        let abandonments: [(name: String, leave: (BlockingHTTPClient) throws -> Void)] = [
            ("closed at once", { _ in }),
            ("half a head", { try $0.send(raw: Array("GET / HTTP/1.1\r\nHost: t\r\nX-Ha".utf8)) }),
            ("closed before the answer", { try $0.send(raw: heldRequest) }),
            ("an upload abandoned", { try $0.send(raw: Array("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n".utf8) + [UInt8](repeating: 120, count: 65_536)) }),
            ("garbage", { try $0.send(raw: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03] + [UInt8](repeating: 0xAB, count: 200)) }),
            ("a pipeline dropped", { try $0.send(raw: Array([[UInt8]](repeating: heldRequest, count: 32).joined())) }),
            ("reset mid-head", { client in
                try client.send(raw: Array("GET / HTTP/1.1\r\nHost: t\r\n".utf8))
                client.resetOnClose()
            }),
        ]
        for (name, leave) in abandonments {
            for _ in 0..<4 {
                let client = try BlockingHTTPClient(port: proxy.port)
                do { try leave(client) } catch { Issue.record("\(name): \(error)") }
            }
        }
        // The upstream answers the requests whose clients left; nobody is there to take them.
        gate.fire()

        // A connection still in the listening socket's queue is in none of the proxy's
        // descriptors: counted before the proxy accepted the last ones, a loaded run saw 1 and
        // then 3. So first wait until it has accepted every one (the kept one and 4 per way).
        let accepted = "proxy_connections_accepted_total \(1 + 4 * abandonments.count)\n"
        let metricsClient = HTTPClient(eventLoopGroup: group)
        let hasAcceptedAll = try await proxy.waitForMetric(accepted, client: metricsClient, timeout: .seconds(30))
        await metricsClient.shutdown()
        #expect(hasAcceptedAll, "the proxy did not accept every client's connection")

        // Each close follows the client's own: the proxy's time-outs, 600 s for a head and for an
        // idle connection, come long after this deadline. It is generous because a loaded CI run
        // (every suite at once on 2 cores) saw 3 connections still open after 5 s; a quiet run
        // closes them all within milliseconds.
        let deadline = ContinuousClock.now + .seconds(60)
        while Self.clientConnectionStates(of: proxy.pid, port: proxy.port).count != 1, ContinuousClock.now < deadline {
            // Polling another process, whose closes no clock of ours can drive.
            try await Task.sleep(for: .milliseconds(20))
        }
        let states = Self.clientConnectionStates(of: proxy.pid, port: proxy.port)
        // The TCP states name what the proxy missed: 08 (CLOSE_WAIT) is a client's close not acted on.
        #expect(
            states.count == 1,
            """
            client connections still open in the proxy, in TCP states \(states); the upstream \
            answered \(heldAnswered.load(ordering: .relaxed)) of \(heldReceived.load(ordering: .relaxed)) held requests
            """
        )
        #expect(try await kept.get("/").status == 200)
        await upstream.shutdown(gracePeriod: .seconds(1))
    }

    /// The TCP states (hex, as `/proc` writes them) of the connections process `pid` accepted on
    /// `port` and still holds: its sockets whose local port is `port`, the listening ones left out.
    /// From `/proc`: the socket inodes among its descriptors, matched with its network namespace's
    /// TCP table.
    static func clientConnectionStates(of pid: pid_t, port: UInt16) -> [Substring] {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        let inodes = Set(descriptors.compactMap { descriptor -> Substring? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)"),
                  target.hasPrefix("socket:[") else { return nil }
            return Substring(target.dropFirst("socket:[".count).dropLast())
        })
        var states: [Substring] = []
        for table in ["tcp", "tcp6"] {
            // Read to the end: `String(contentsOfFile:)` stops after the first page of a /proc file.
            guard let data = try? FileHandle(forReadingAtPath: "/proc/\(pid)/net/\(table)")?.readToEnd() else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                // sl, local address:port (hex), remote address:port, state (0A is LISTEN), …, inode is the 10th.
                let fields = line.split(separator: " ")
                guard fields.count > 9, let localPort = fields[1].split(separator: ":").last.flatMap({ UInt16($0, radix: 16) }) else { continue }
                if localPort == port, fields[3] != "0A", inodes.contains(fields[9]) { states.append(fields[3]) }
            }
        }
        return states
    }
}
