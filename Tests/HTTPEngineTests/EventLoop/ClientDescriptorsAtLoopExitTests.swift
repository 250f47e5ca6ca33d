import Foundation
import Glibc
import Testing
import TestSupport
@testable import HTTPEngine

@Suite("Client descriptors at loop exit")
struct ClientDescriptorsAtLoopExitTests {
    @Test func everyClientSocketLeavesTheDescriptorTableWhenItsLoopExits() async throws {
        let release = TestSignal()
        // Answers with the client's port; `/slow` keeps its body open until released.
        let handler = HTTPClosureHandler { request in
            let clientPort = String(request.remoteAddress.port)
            guard request.path == "/slow" else { return HTTPResponse(body: .init(string: clientPort)) }
            return HTTPResponse(headers: HTTPHeaders([("x-client-port", clientPort)]), body: .stream { writer in
                try await writer.write(Array("first".utf8))
                await release.wait()
            })
        }
        try await withTestServer(handler: handler) { _, serverPort in
            let group = try EventLoopGroup(loopCount: 1)
            let client = HTTPClient(eventLoopGroup: group)
            // One connection mid-response (its body unread), then one idle in the pool.
            let busy = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: serverPort, target: "/slow"))
            let busyPort = try #require(busy.headers["x-client-port"].flatMap { UInt16($0) })
            let finished = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: serverPort))
            let idlePort = try #require(UInt16(String(decoding: try await finished.body.collect(upTo: 64), as: UTF8.self)))
            #expect(Self.clientPorts(connectedTo: serverPort) == [busyPort, idlePort])

            // The loop exits without the client being shut down; exit closes before it returns.
            await group.shutdown()
            #expect(Self.clientPorts(connectedTo: serverPort).isEmpty)
            release.fire()
            withExtendedLifetime(busy) {}
        }
    }

    /// Local ports of this process's open sockets connected to 127.0.0.1:`serverPort`, found by
    /// walking /proc/self/fd. (Counting descriptors was the rejected alternative: tests running
    /// in parallel open and close descriptors too; a socket's addresses are ours alone.)
    static func clientPorts(connectedTo serverPort: UInt16) -> Set<UInt16> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        var ports = Set<UInt16>()
        for name in names {
            guard let descriptor = Int32(name),
                  let peer = address(of: descriptor, getpeername),
                  peer.sin_addr.s_addr == UInt32(0x7F00_0001).bigEndian,
                  UInt16(bigEndian: peer.sin_port) == serverPort,
                  let local = address(of: descriptor, getsockname)
            else { continue }
            ports.insert(UInt16(bigEndian: local.sin_port))
        }
        return ports
    }

    /// An IPv4 socket address from `getpeername` or `getsockname`; nil for anything else.
    static func address(
        of descriptor: Int32,
        _ query: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> sockaddr_in? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { query(descriptor, $0, &length) }
        }
        guard result == 0, address.sin_family == sa_family_t(AF_INET) else { return nil }
        return address
    }
}
