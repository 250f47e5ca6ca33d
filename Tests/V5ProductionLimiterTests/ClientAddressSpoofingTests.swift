import HTTPEngine
import IPAddressing
import Testing
import V5ProductionLimiter

private let proxies = ClientAddressResolver(trustedProxies: [IPNetwork("10.0.0.0/8")!, IPNetwork("2001:db8:ffff::/48")!])

/// The client's address as the limiter keys it; checks that the text form says the same.
private func client(of resolver: ClientAddressResolver = proxies, peer: String, headers: [(String, String)]) -> String {
    let request = TestRequests.request(from: peer, headers: headers)
    let address = resolver.clientAddress(for: request).description
    #expect(resolver.clientAddressText(for: request) == address)
    return address
}

/// A client must never be able to choose the address it is limited by.
@Suite struct ClientAddressSpoofingTests {
    @Test func untrustedPeerSendingForwardedForIsKeyedByItsOwnAddress() {
        #expect(client(peer: "203.0.113.7", headers: [("X-Forwarded-For", "198.51.100.1")]) == "203.0.113.7")
        #expect(client(of: .socketPeer, peer: "10.0.0.1", headers: [("X-Forwarded-For", "198.51.100.1")]) == "10.0.0.1")
    }

    @Test func trustedProxyRevealsTheClientItForwards() {
        #expect(client(peer: "10.0.0.1", headers: [("X-Forwarded-For", "198.51.100.1")]) == "198.51.100.1")
    }

    @Test func forgedLeftmostEntryBehindTrustedProxyIsIgnored() {
        // The client sent "X-Forwarded-For: 1.1.1.1"; the proxy appended the address it saw.
        #expect(client(peer: "10.0.0.1", headers: [("X-Forwarded-For", "1.1.1.1, 198.51.100.1")]) == "198.51.100.1")
        // Forging a trusted-looking entry does not help either: the walk stops at the real client.
        #expect(client(peer: "10.0.0.1", headers: [("X-Forwarded-For", "1.1.1.1, 10.9.9.9, 198.51.100.1")]) == "198.51.100.1")
    }

    @Test func chainOfTrustedProxiesIsSkippedFromTheRight() {
        let chain = [("X-Forwarded-For", "6.6.6.6, 198.51.100.1, 10.0.0.3, 10.0.0.2")]
        #expect(client(peer: "10.0.0.1", headers: chain) == "198.51.100.1")
    }

    @Test func repeatedFieldLinesFormOneList() {
        let lines = [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "198.51.100.1, 10.0.0.2")]
        #expect(client(peer: "10.0.0.1", headers: lines) == "198.51.100.1")
    }

    @Test(arguments: ["198.51.100.1, unknown", "198.51.100.1, ", "198.51.100.1, 999.1.1.1", "198.51.100.1, _hidden", "198.51.100.1, [::1", "198.51.100.1,\u{1}"])
    func garbageEntryStopsAtTheNearestTrustedHop(header: String) {
        // The garbage was written (or passed on) by the trusted peer, so the peer is the best answer.
        #expect(client(peer: "10.0.0.1", headers: [("X-Forwarded-For", header)]) == "10.0.0.1")
    }

    @Test func garbageLeftOfTheClientIsNeverRead() {
        #expect(client(peer: "10.0.0.1", headers: [("X-Forwarded-For", "not-an-ip, %%%, 198.51.100.1")]) == "198.51.100.1")
    }

    @Test func thousandsOfEntriesDoNotMoveTheKey() {
        let forged = Array(repeating: "6.6.6.6", count: 5_000).joined(separator: ", ")
        #expect(client(peer: "10.0.0.1", headers: [("X-Forwarded-For", forged + ", 198.51.100.1")]) == "198.51.100.1")
    }

    @Test func longTrustedChainStopsAtTheHopLimitOnATrustedAddress() {
        // 6.6.6.6 sits beyond the hop limit; everything the walk can reach is a trusted proxy.
        let hops = (1...40).map { "10.0.0.\($0)" }.joined(separator: ", ")
        let resolved = client(peer: "10.0.0.250", headers: [("X-Forwarded-For", "6.6.6.6, " + hops)])
        #expect(resolved != "6.6.6.6")
        #expect(proxies.isTrusted(IPAddress(resolved)!))
    }

    @Test func entriesWithPortsAndBracketsAreUnderstood() {
        #expect(client(peer: "10.0.0.1", headers: [("X-Forwarded-For", "198.51.100.1:5555")]) == "198.51.100.1")
        #expect(client(peer: "10.0.0.1", headers: [("X-Forwarded-For", "[2001:db8:1::5]:443")]) == "2001:db8:1::5")
        #expect(client(peer: "10.0.0.1", headers: [("X-Forwarded-For", "2001:db8:1::5")]) == "2001:db8:1::5")
    }

    @Test func ipv6PeerInsideATrustedBlockIsAProxy() {
        #expect(client(peer: "2001:db8:ffff:1::9", headers: [("X-Forwarded-For", "198.51.100.1")]) == "198.51.100.1")
        #expect(client(peer: "2001:db8:fffe::9", headers: [("X-Forwarded-For", "198.51.100.1")]) == "2001:db8:fffe::9")
    }

    @Test func mappedPeerAddressMatchesDottedQuadProxies() {
        #expect(client(peer: "::ffff:10.0.0.1", headers: [("X-Forwarded-For", "198.51.100.1")]) == "198.51.100.1")
    }

    @Test func untrustedMappedPeerIsKeyedByItsDottedQuad() {
        // The same client over IPv4 and over an IPv4-mapped IPv6 socket spends from one bucket.
        #expect(client(peer: "::ffff:203.0.113.7", headers: []) == "203.0.113.7")
        #expect(client(of: .socketPeer, peer: "::ffff:203.0.113.7", headers: []) == "203.0.113.7")
        #expect(client(of: .socketPeer, peer: "2001:db8::7", headers: []) == "2001:db8::7")
    }

    @Test func forwardedHeaderIsReadWhenConfigured() {
        let resolver = ClientAddressResolver(trustedProxies: proxies.trustedProxies, forwardingHeader: .forwarded)
        let value = #"for=6.6.6.6, For="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.2;by=10.0.0.1"#
        #expect(client(of: resolver, peer: "10.0.0.1", headers: [("Forwarded", value)]) == "2001:db8:cafe::17")
        #expect(client(of: resolver, peer: "10.0.0.1", headers: [("Forwarded", "for=198.51.100.1:80")]) == "198.51.100.1")
        #expect(client(of: resolver, peer: "10.0.0.1", headers: [("Forwarded", "for=unknown")]) == "10.0.0.1")
        #expect(client(of: resolver, peer: "10.0.0.1", headers: [("Forwarded", "proto=http")]) == "10.0.0.1")
        // A comma inside a quoted string does not split the element.
        #expect(client(of: resolver, peer: "10.0.0.1", headers: [("Forwarded", #"for=198.51.100.1;host="a,b""#)]) == "198.51.100.1")
    }

    @Test func theHeaderTheProxyDoesNotWriteIsNeverBelieved() {
        // The proxy maintains X-Forwarded-For; a Forwarded header can only have come from the client.
        let headers = [("Forwarded", "for=6.6.6.6"), ("X-Forwarded-For", "198.51.100.1")]
        #expect(client(peer: "10.0.0.1", headers: headers) == "198.51.100.1")
        #expect(client(peer: "10.0.0.1", headers: [("Forwarded", "for=6.6.6.6")]) == "10.0.0.1")
    }
}
