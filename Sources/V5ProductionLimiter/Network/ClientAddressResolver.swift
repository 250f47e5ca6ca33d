import HTTPEngine
import IPAddressing

/// Finds the address of the client behind a request, believing forwarding headers only from trusted proxies.
///
/// A request that arrives straight from a client has that client as its socket peer, and any
/// `X-Forwarded-For` it carries was written by the client: believing it would let anyone pick
/// their own rate-limit key. So headers are read only when the peer is a configured proxy, and
/// then from the right, where each trusted proxy appended the address it saw: the first entry
/// not itself a trusted proxy is the client. Entries further left were written by that client
/// and are never looked at.
public struct ClientAddressResolver: Sendable {
    /// Which header the trusted proxies write.
    public enum ForwardingHeader: Sendable, Hashable {
        /// `X-Forwarded-For: client, proxy1, proxy2` (de facto standard; nginx, HAProxy, AWS ELB).
        case xForwardedFor
        /// `Forwarded: for=client, for=proxy1` (RFC 7239).
        case forwarded
    }

    /// Networks whose hosts are proxies allowed to report the client's address.
    public var trustedProxies: [IPNetwork]
    /// The header the trusted proxies maintain.
    ///
    /// Only one is read, never "whichever is present": a proxy that appends to one header
    /// passes the other through from the client untouched, so reading both reopens spoofing.
    public var forwardingHeader: ForwardingHeader
    /// Most header entries examined, counted from the right; bounds the work per request.
    ///
    /// Reaching it means every examined hop was a trusted proxy; the left-most of those is then
    /// taken as the client, which the client cannot choose.
    public var maximumHops: Int

    /// A resolver that trusts no proxy: the client is always the socket peer.
    public static let socketPeer = ClientAddressResolver(trustedProxies: [])

    /// A resolver believing `forwardingHeader` when the peer lies in `trustedProxies`.
    public init(trustedProxies: [IPNetwork], forwardingHeader: ForwardingHeader = .xForwardedFor, maximumHops: Int = 16) {
        self.trustedProxies = trustedProxies
        self.forwardingHeader = forwardingHeader
        self.maximumHops = max(1, maximumHops)
    }

    /// The client's address for `request`.
    public func clientAddress(for request: HTTPRequest) -> IPAddress {
        let peer = IPAddress(request.remoteAddress)
        guard isTrusted(peer) else { return peer }
        return forwardedClient(of: request, trustedPeer: peer)
    }

    /// The client a trusted `peer` reports in the forwarding header (the peer when it reports none).
    private func forwardedClient(of request: HTTPRequest, trustedPeer peer: IPAddress) -> IPAddress {
        let fieldName = forwardingHeader == .xForwardedFor ? "X-Forwarded-For" : "Forwarded"
        let fieldLines = request.headers.values(name: fieldName)
        guard !fieldLines.isEmpty else { return peer }
        // Repeated field lines form one list in order (RFC 9110, section 5.3).
        let elements = ForwardingList.elements(of: Array(fieldLines.joined(separator: ",").utf8))
        return resolve(peer: peer, elements: elements)
    }

    /// `clientAddress(for:)` as text, as `IPAddress.description` spells it: the rate limiter's key.
    public func clientAddressText(for request: HTTPRequest) -> String {
        let peer = request.remoteAddress
        // The connection wrote an IPv4 peer's text once (`SocketAddress.host`, the same spelling);
        // formatting it again was 0.7 % of stage 5's user time. An IPv6 peer may be an
        // IPv4-mapped address, which `IPAddress` spells as IPv4, so it is formatted here.
        if trustedProxies.isEmpty, peer.family == .inet { return peer.host }
        let address = IPAddress(peer)
        guard isTrusted(address) else { return peer.family == .inet ? peer.host : address.description }
        return forwardedClient(of: request, trustedPeer: address).description
    }

    /// Walks `elements` right to left from a trusted `peer`; see the type's comment.
    func resolve(peer: IPAddress, elements: [ArraySlice<UInt8>]) -> IPAddress {
        var nearestTrusted = peer
        for element in elements.reversed().prefix(maximumHops) {
            let node = forwardingHeader == .xForwardedFor
                ? ForwardingList.nodeOfForwardedForEntry(element)
                : ForwardingList.nodeOfForwardedElement(element)
            // Garbage (`unknown`, an obfuscated name, a typo) was written by a trusted hop or
            // passed on by one; the last address known to be real is that hop's.
            guard let node, let address = IPAddress(text: node) else { return nearestTrusted }
            guard isTrusted(address) else { return address }
            nearestTrusted = address
        }
        return nearestTrusted
    }

    /// Whether `address` is one of the trusted proxies.
    public func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}
