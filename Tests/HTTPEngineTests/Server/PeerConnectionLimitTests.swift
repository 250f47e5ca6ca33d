import Foundation
import IPAddressing
import Testing
@testable import HTTPEngine

/// One client may not hold every connection: the per-client cap, from the hostile side.
@Suite struct PeerConnectionLimitTests {
    func address(_ text: String) -> SocketAddress {
        SocketAddress(host: text, port: 1)!
    }

    @Test func aClientIsAnIPv4AddressOrAnIPv6NetworkAndExemptPeersAreNone() {
        let limit = PeerConnectionLimit(maximum: 1, isExempt: { $0 == IPAddress("10.0.0.1") })
        #expect(limit.client(of: address("192.0.2.1")) != limit.client(of: address("192.0.2.2")))
        // Every address of one /64 is one client; the next /64 is another.
        #expect(limit.client(of: address("2001:db8:1:2::1")) == limit.client(of: address("2001:db8:1:2:ffff:ffff:ffff:ffff")))
        #expect(limit.client(of: address("2001:db8:1:2::1")) != limit.client(of: address("2001:db8:1:3::1")))
        // An IPv4 client reaching a dual-stack listener is the same client.
        #expect(limit.client(of: address("::ffff:192.0.2.1")) == limit.client(of: address("192.0.2.1")))
        #expect(limit.client(of: address("10.0.0.1")) == nil)
        let perAddress = PeerConnectionLimit(maximum: 1, ipv6PrefixLength: 128)
        #expect(perAddress.client(of: address("2001:db8:1:2::1")) != perAddress.client(of: address("2001:db8:1:2::2")))
        let perSite = PeerConnectionLimit(maximum: 1, ipv6PrefixLength: 48)
        #expect(perSite.client(of: address("2001:db8:1:2::1")) == perSite.client(of: address("2001:db8:1:ffff::1")))
        #expect(perSite.client(of: address("2001:db8:1:2::1")) != perSite.client(of: address("2001:db8:2::1")))
    }

    /// Three connections held by 127.0.0.1: its fourth is answered 503 and closed, while
    /// 127.0.0.2 is served; one of the three closing lets 127.0.0.1 in again; with every
    /// connection gone, no client is left counted.
    @Test func aClientHoldingItsMaximumIsRefusedOthersAreServedAndClosingFreesItsSlot() async throws {
        try await withTestServer(configure: { $0.peerConnectionLimit = PeerConnectionLimit(maximum: 3) }, handler: okHandler) { server, port in
            try await blocking {
                func served(_ client: RawClient) throws -> Bool {
                    client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                    return (try? client.readResponse())??.status == 200
                }
                var held: [RawClient] = try (0..<3).map { _ in try RawClient(port: port) }
                for client in held { #expect(try served(client)) }
                let excess = try RawClient(port: port)
                excess.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                // Either the 503 arrives or the close overtakes it (a reset); both refuse the client.
                let refused = (try? excess.readResponse()) ?? nil
                #expect(refused == nil || refused?.status == 503)
                #expect(excess.waitForClose())
                let other = try RawClient(port: port, from: "127.0.0.2")
                #expect(try served(other))

                held.removeFirst()
                // The server notices the close on its own schedule; retry until the slot is free.
                let deadline = ContinuousClock.now + .seconds(60)
                var isServedAgain = false
                while !isServedAgain, ContinuousClock.now < deadline {
                    let next = try RawClient(port: port)
                    isServedAgain = try served(next)
                    if isServedAgain { held.append(next) }
                }
                #expect(isServedAgain)
                held.removeAll()
                _ = other
            }
            // Every client is gone: nothing is counted for any of them any more.
            #expect(await waitUntil(deadline: .now + .seconds(30)) { server.connectionCount == 0 })
            #expect(server.peerConnections?.clientCount == 0)
        }
    }

    @Test func anExemptPeerIsNeverCounted() async throws {
        let limit = PeerConnectionLimit(maximum: 1, isExempt: { $0 == IPAddress("127.0.0.1") })
        try await withTestServer(configure: { $0.peerConnectionLimit = limit }, handler: okHandler) { server, port in
            try await blocking {
                let clients = try (0..<5).map { _ in try RawClient(port: port) }
                for client in clients {
                    client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                    #expect(try client.readResponse()?.status == 200)
                }
            }
            #expect(server.peerConnections?.clientCount == 0)
        }
    }
}
