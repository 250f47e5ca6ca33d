import IPAddressing
import ReverseProxy

/// Which policies hold a request: the client's (its API key's tier, or its address when it has
/// no known key) and the route's, with the route's cost.
///
/// Unknown and missing API keys fall back to the per-address policy: were an unknown key its own
/// identity, a client could mint a fresh key per request and never be limited. A known key is
/// limited by its tier wherever it comes from, so clients behind one NAT do not share its budget.
/// For the same reason an IPv6 client is counted per network (/64 by default), not per address:
/// a host usually owns a whole /64 and can take a new address from it for every request.
///
/// A class of constants, so it behaves as a value: read through the limiter's lock once per
/// request, a struct was copied out each time, a retain and a release per part.
public final class PolicySet: Sendable {
    /// The header carrying API keys, e.g. `X-API-Key`.
    public let apiKeyHeader: String
    /// Tier policies by tier name.
    public let tiers: [String: RateLimitPolicy]
    /// The tier policy and store key of each known API key, worked out once per configuration:
    /// hashing the key and two lookups (its tier's name, then the tier) per request were 7 % of
    /// stage 5's user time across 100,000 keys.
    private let knownKeys: [String: KnownKey]
    /// The policy of clients without a known key, counted per client address.
    public let anonymous: RateLimitPolicy
    /// Route policies, longest prefix first.
    public let routes: [RoutePolicy]
    /// Whether a route names a host, so that a request's `Host` field must be read.
    public let matchesHosts: Bool
    /// Hashes API keys before they become store keys, so neither Redis nor logs hold a raw key.
    public let keyHasher: KeyHasher
    /// Leading bits of an IPv6 client's address that make its anonymous key (128: each address
    /// alone). IPv4 clients are counted per address.
    public let ipv6PrefixLength: Int
    /// The most limits one client can meet: its tier's (or the anonymous ones) and every route's,
    /// all counted under the client's key. An in-memory store keeps this many states per key
    /// (`GuardedStore.reserveLimitStates(perKey:)`).
    public let limitsPerClient: Int

    /// Throws when a tier named by a key does not exist, a route's cost exceeds one of the
    /// limits it meets, a request would carry more limits than a store takes, or
    /// `ipv6PrefixLength` is not in 1...128.
    public init(
        apiKeyHeader: String = "X-API-Key",
        tiers: [String: RateLimitPolicy] = [:],
        apiKeys: [String: String] = [:],
        anonymous: RateLimitPolicy,
        routes: [RoutePolicy] = [],
        keyHasher: KeyHasher = KeyHasher(),
        ipv6PrefixLength: Int = 64
    ) throws(PolicyConfigurationError) {
        guard (1...128).contains(ipv6PrefixLength) else { throw .invalidIPv6PrefixLength(ipv6PrefixLength) }
        var knownKeys = [String: KnownKey](minimumCapacity: apiKeys.count)
        for (key, tierName) in apiKeys {
            guard let tier = tiers[tierName] else { throw .unknownTier(tierName, apiKeyPrefix: String(key.prefix(4))) }
            knownKeys[key] = KnownKey(policy: tier, storeKey: "key:" + keyHasher.hash(key))
        }
        let identities = Array(tiers.values) + [anonymous]
        for route in routes {
            for identity in identities {
                let limits = identity.limits + (route.policy?.limits ?? [])
                do {
                    _ = try RateLimitRequest(key: "check", limits: limits, cost: route.cost)
                } catch {
                    throw .invalidCombination(route: route.pathPrefix, policy: identity.name, reason: "\(error)")
                }
            }
        }
        for identity in identities {
            do {
                _ = try RateLimitRequest(key: "check", limits: identity.limits)
            } catch {
                throw .invalidCombination(route: "(any)", policy: identity.name, reason: "\(error)")
            }
        }
        self.apiKeyHeader = apiKeyHeader
        self.tiers = tiers
        self.knownKeys = knownKeys
        self.anonymous = anonymous
        // In the proxy's order for its routes, so the first match is the most specific.
        self.routes = routes.sorted { Route.isTried(pathPrefix: $0.pathPrefix, host: $0.host, before: $1.pathPrefix, host: $1.host) }
        matchesHosts = routes.contains { $0.host != nil }
        self.keyHasher = keyHasher
        self.ipv6PrefixLength = ipv6PrefixLength
        var routeLimits: [RateLimit] = []
        for route in routes {
            for limit in route.policy?.limits ?? [] where !routeLimits.contains(limit) { routeLimits.append(limit) }
        }
        limitsPerClient = identities.map { identity in
            identity.limits.count + routeLimits.filter { !identity.limits.contains($0) }.count
        }.max() ?? 0
    }

    /// The policies for a request with `apiKey` (nil when absent) from `clientAddress` to `path`,
    /// with the `Host` field `hostField` (read only when a route names a host: `matchesHosts`).
    public func resolve(apiKey: String?, clientAddress: String, path: String, hostField: String? = nil) -> PolicyResolution {
        let identity: RateLimitPolicy
        let key: String
        if let apiKey, let known = knownKeys[apiKey] {
            identity = known.policy
            key = known.storeKey
        } else {
            identity = anonymous
            key = Self.addressKey(clientAddress, ipv6PrefixLength: ipv6PrefixLength)
        }
        // The host name taken from the field once per request, not once per route tried.
        let hostName = hostField.map(Route.hostName(ofHostField:))
        let route = routes.first { $0.matches(path: path, hostName: hostName) }
        return PolicyResolution(key: key, identity: identity, route: route)
    }
}

extension PolicySet {
    /// The anonymous store key of a client at `address` (as `ClientAddressResolver` spells it):
    /// `ip:<address>` for IPv4, `ip:<network>/<length>` for IPv6 (`2001:db8:1:2::/64`).
    ///
    /// Text that is not an address (an `/explain` question) stays as it is.
    static func addressKey(_ address: String, ipv6PrefixLength: Int) -> String {
        // IPv4 text has no colon: the common case is not parsed again. Looked for in the string's
        // bytes: through its `utf8` view, the walk cost ~300 instructions per request.
        let hasColon = address.utf8.withContiguousStorageIfAvailable { $0.contains(UInt8(ascii: ":")) } ?? address.utf8.contains(UInt8(ascii: ":"))
        guard ipv6PrefixLength < 128, hasColon,
              let parsed = IPAddress(address), !parsed.isIPv4,
              let network = IPNetwork(address: parsed, prefixLength: ipv6PrefixLength)
        else { return addressKey(address) }
        return addressKey(network.description)
    }

    /// `ip:` and `text` as one string, written in place: `"ip:" + text` went through the
    /// standard library's general append, ~300 instructions on every anonymous request.
    static func addressKey(_ address: String) -> String {
        let built = address.utf8.withContiguousStorageIfAvailable { bytes in
            String(unsafeUninitializedCapacity: 3 + bytes.count) { buffer in
                buffer[0] = UInt8(ascii: "i")
                buffer[1] = UInt8(ascii: "p")
                buffer[2] = UInt8(ascii: ":")
                _ = UnsafeMutableBufferPointer(rebasing: buffer[3...]).initialize(fromContentsOf: bytes)
                return 3 + bytes.count
            }
        }
        // Only a bridged string has no contiguous UTF-8.
        return built ?? "ip:" + address
    }
}

/// A configured API key's tier policy and the store key it is counted under.
private struct KnownKey: Sendable {
    let policy: RateLimitPolicy
    let storeKey: String
}

/// The policies that hold one request, and what to ask the store.
public struct PolicyResolution: Sendable {
    /// The store key: `key:<hash>` for a known API key, `ip:<address>` (IPv4) or
    /// `ip:<network>/<length>` (IPv6) otherwise.
    public let key: String
    /// The client's policy: its tier's, or the anonymous one.
    public let identity: RateLimitPolicy
    /// The route's policy and cost, if a route matched.
    public let route: RoutePolicy?

    /// Every limit: the client's, then the route's.
    public var limits: [RateLimit] {
        // Without a route policy the client's own array is shared: `+` would copy it per request.
        guard let routeLimits = route?.policy?.limits, !routeLimits.isEmpty else { return identity.limits }
        return identity.limits + routeLimits
    }
    /// Units the request spends.
    public var cost: Int { route?.cost ?? 1 }
    /// Whether any policy involved is in shadow mode: then nothing is refused.
    public var isShadow: Bool { identity.isShadow || (route?.policy?.isShadow ?? false) }
    /// The names of the policies involved, for logs and metrics: `tier:premium+route:/search`.
    public var policyName: String {
        guard let routePolicy = route?.policy else { return identity.name }
        return identity.name + "+" + routePolicy.name
    }
}

/// A policy configuration no request could be decided with.
public enum PolicyConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownTier(String, apiKeyPrefix: String)
    case invalidCombination(route: String, policy: String, reason: String)
    case invalidIPv6PrefixLength(Int)

    public var description: String {
        switch self {
        case .unknownTier(let tier, let prefix): "apiKeys: the key starting \"\(prefix)…\" names tier \"\(tier)\", which is not configured"
        case .invalidCombination(let route, let policy, let reason): "routes: \(route) with policy \(policy): \(reason)"
        case .invalidIPv6PrefixLength(let length): "ipv6PrefixLength: \(length) is not a prefix length in 1...128"
        }
    }
}
