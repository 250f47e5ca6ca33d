import Foundation
import Glibc
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
        let upstream = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            handler: HTTPClosureHandler { request in
                // `/held` is answered only once the test has let its clients go.
                if request.path == "/held" { await gate.wait() }
                return HTTPResponse(body: .init(string: "served"))
            },
            eventLoopGroup: group
        )
        let upstreamPort = try await upstream.start().port
        let proxy = try await ProxyProcess.start(arguments: ["--upstream", "http://127.0.0.1:\(upstreamPort)", "--rps", "1000000", "--burst", "1000000", "--access-log", "off"])
        let kept = try BlockingHTTPClient(port: proxy.port)
        #expect(try await kept.get("/").status == 200)
        #expect(Self.clientConnections(of: proxy.pid, port: proxy.port) == 1)

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

        // Each close follows the client's own: the proxy's time-outs, 10 s for a head and 60 s
        // for an idle connection, would come later than this deadline.
        let deadline = ContinuousClock.now + .seconds(5)
        while Self.clientConnections(of: proxy.pid, port: proxy.port) != 1, ContinuousClock.now < deadline {
            // Polling another process, whose closes no clock of ours can drive.
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(Self.clientConnections(of: proxy.pid, port: proxy.port) == 1, "client connections still open in the proxy")
        #expect(try await kept.get("/").status == 200)
        await upstream.shutdown(gracePeriod: .seconds(1))
    }

    /// The connections process `pid` accepted on `port` and still holds: its sockets whose local
    /// port is `port`, the listening ones left out. From `/proc`: the socket inodes among its
    /// descriptors, matched with its network namespace's TCP table.
    static func clientConnections(of pid: pid_t, port: UInt16) -> Int {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        let inodes = Set(descriptors.compactMap { descriptor -> Substring? in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)"),
                  target.hasPrefix("socket:[") else { return nil }
            return Substring(target.dropFirst("socket:[".count).dropLast())
        })
        var count = 0
        for table in ["tcp", "tcp6"] {
            // Read to the end: `String(contentsOfFile:)` stops after the first page of a /proc file.
            guard let data = try? FileHandle(forReadingAtPath: "/proc/\(pid)/net/\(table)")?.readToEnd() else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for line in text.split(separator: "\n").dropFirst() {
                // sl, local address:port (hex), remote address:port, state (0A is LISTEN), …, inode is the 10th.
                let fields = line.split(separator: " ")
                guard fields.count > 9, let localPort = fields[1].split(separator: ":").last.flatMap({ UInt16($0, radix: 16) }) else { continue }
                if localPort == port, fields[3] != "0A", inodes.contains(fields[9]) { count += 1 }
            }
        }
        return count
    }
}
