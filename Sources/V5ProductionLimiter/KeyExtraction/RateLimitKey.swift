import IPAddressing

/// The name of one bucket: the kind of key material and its value, e.g. `ip:192.0.2.7` or `key:abc123`.
///
/// Every extractor prefixes its kind, so keys from different sources never collide: a client
/// sending `X-API-Key: 192.0.2.7` gets `key:192.0.2.7`, not the bucket of that address.
/// The initializer is internal and custom closures go through `custom(_:)`, so no caller can
/// forge a key of another kind.
public struct RateLimitKey: Hashable, Sendable, CustomStringConvertible {
    /// The full key, kind prefix included.
    public let rawValue: String

    init(kind: String, value: String) {
        rawValue = kind + ":" + value
    }

    /// The key of a client address (or the IPv6 network it is grouped into).
    public static func clientAddress(_ address: IPAddress) -> RateLimitKey {
        RateLimitKey(kind: "ip", value: address.description)
    }

    /// The key of a grouped client network, such as `ip:2001:db8:1:2::/64`.
    public static func clientNetwork(_ network: IPNetwork) -> RateLimitKey {
        RateLimitKey(kind: "ip", value: network.description)
    }

    /// The key of an API key sent in a header.
    public static func apiKey(_ value: String) -> RateLimitKey {
        RateLimitKey(kind: "key", value: value)
    }

    /// The key of any other header's value; the header name is part of the kind.
    public static func header(_ name: String, value: String) -> RateLimitKey {
        RateLimitKey(kind: "header(\(name.lowercased()))", value: value)
    }

    /// The key of a bearer token from `Authorization`.
    public static func bearerToken(_ token: String) -> RateLimitKey {
        RateLimitKey(kind: "bearer", value: token)
    }

    /// The key of a client on one path: one bucket per endpoint per client.
    public static func clientOnPath(_ client: RateLimitKey, path: String) -> RateLimitKey {
        // A space cannot appear in an address or a request target, so the split is unambiguous.
        RateLimitKey(kind: "path", value: client.rawValue + " " + path)
    }

    /// A key chosen by application code.
    public static func custom(_ value: String) -> RateLimitKey {
        RateLimitKey(kind: "custom", value: value)
    }

    public var description: String { rawValue }
}
