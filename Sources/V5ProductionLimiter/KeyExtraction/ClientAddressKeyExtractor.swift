import HTTPEngine
import IPAddressing

/// Keys requests by client address, resolved through trusted proxies, IPv6 grouped by prefix.
public struct ClientAddressKeyExtractor: RateLimitKeyExtractor {
    /// How the client's address is found.
    public let resolver: ClientAddressResolver
    /// IPv6 clients are keyed by this many leading bits: one bucket per /64 by default.
    ///
    /// An IPv6 host usually owns a whole /64 and can switch addresses inside it at will, so
    /// per-address buckets would give one client 2^64 of them. IPv4 addresses are never grouped.
    public let ipv6PrefixLength: Int

    /// An extractor using `resolver`; throws if `ipv6PrefixLength` is not in 1...128.
    public init(resolver: ClientAddressResolver = .socketPeer, ipv6PrefixLength: Int = 64) throws(RateLimitConfigurationError) {
        guard (1...128).contains(ipv6PrefixLength) else { throw .invalidPrefixLength(ipv6PrefixLength) }
        self.resolver = resolver
        self.ipv6PrefixLength = ipv6PrefixLength
    }

    public func key(for request: HTTPRequest) -> RateLimitKey? {
        clientKey(for: request)
    }

    /// The client's key; never absent, since every connection has a peer.
    func clientKey(for request: HTTPRequest) -> RateLimitKey {
        let address = resolver.clientAddress(for: request)
        guard !address.isIPv4, ipv6PrefixLength < 128 else { return .clientAddress(address) }
        // The prefix length was validated in init, so the network always exists.
        return .clientNetwork(IPNetwork(address: address, prefixLength: ipv6PrefixLength)!)
    }

    public var sourceDescription: String { "the client address" }
}

extension RateLimitKeyExtractor where Self == ClientAddressKeyExtractor {
    /// Keys by the socket peer's address, trusting no proxy; IPv6 grouped per /64.
    public static var clientAddress: ClientAddressKeyExtractor {
        // 64 is within 1...128, so this cannot throw.
        try! ClientAddressKeyExtractor()
    }

    /// Keys by client address as `resolver` finds it, IPv6 grouped by `ipv6PrefixLength` bits.
    public static func clientAddress(
        resolver: ClientAddressResolver,
        ipv6PrefixLength: Int = 64
    ) throws(RateLimitConfigurationError) -> ClientAddressKeyExtractor {
        try ClientAddressKeyExtractor(resolver: resolver, ipv6PrefixLength: ipv6PrefixLength)
    }
}

/// Keys requests by client and path, so each endpoint has its own budget per client.
///
/// The path is keyed in its normal spelling (`NormalizedPath`): `/%61pi`, `/./api`, `//api` and
/// `http://host/api` all spend from `/api`'s bucket, and the query is ignored. Each distinct
/// path still gets its own bucket (`/items/1`, `/items/2`, …); for routes with parameters, map
/// the path to its route in a `custom` extractor instead.
public struct ClientAndPathKeyExtractor: RateLimitKeyExtractor {
    public let client: ClientAddressKeyExtractor
    /// Longest path accepted as part of a key, as sent and once normalized; longer paths are refused with 400.
    public let maximumPathBytes: Int

    public func key(for request: HTTPRequest) throws(RateLimitKeyError) -> RateLimitKey? {
        let path = try NormalizedPath(requestTarget: request.head.targetBytes, maximumBytes: maximumPathBytes)
        return .clientOnPath(client.clientKey(for: request), path: path.value)
    }

    public var sourceDescription: String { "the client address and path" }
}

extension RateLimitKeyExtractor where Self == ClientAndPathKeyExtractor {
    /// Keys by client address (as `client` finds it) plus the request path.
    public static func clientAddressAndPath(
        _ client: ClientAddressKeyExtractor = .clientAddress,
        maximumPathBytes: Int = 256
    ) -> ClientAndPathKeyExtractor {
        ClientAndPathKeyExtractor(client: client, maximumPathBytes: max(1, maximumPathBytes))
    }
}
