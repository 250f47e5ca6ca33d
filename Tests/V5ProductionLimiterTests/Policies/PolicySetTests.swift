import Testing
@testable import V5ProductionLimiter

/// Which policies hold a request, and the keyed hash that keeps raw API keys out of stores and logs.
@Suite struct PolicySetTests {
    let anonymous = RateLimitPolicy(name: "anonymous", limits: [try! RateLimit(name: "anonymous.10s", 10, per: .seconds(1))])
    let premium = RateLimitPolicy(name: "tier:premium", limits: [try! RateLimit(name: "premium.100s", 100, per: .seconds(1))])
    let search = RoutePolicy(pathPrefix: "/search", policy: RateLimitPolicy(name: "route:/search", limits: [try! RateLimit(name: "search.2s", 2, per: .seconds(1))]), cost: 2)

    func policies() throws -> PolicySet {
        try PolicySet(tiers: ["premium": premium], apiKeys: ["good-key": "premium"], anonymous: anonymous, routes: [search], keyHasher: KeyHasher(secret: "test"))
    }

    @Test func knownKeyGetsItsTierAndAHashedStoreKey() throws {
        let resolution = try policies().resolve(apiKey: "good-key", clientAddress: "192.0.2.7", path: "/")
        #expect(resolution.identity == premium)
        #expect(resolution.key.hasPrefix("key:") && !resolution.key.contains("good-key"))
        #expect(resolution.key == "key:" + KeyHasher(secret: "test").hash("good-key"))
    }

    @Test func unknownOrMissingKeysFallBackToTheClientAddress() throws {
        let set = try policies()
        let minted = (0..<5).map { set.resolve(apiKey: "minted-\($0)", clientAddress: "192.0.2.7", path: "/") }
        #expect(minted.allSatisfy { $0.key == "ip:192.0.2.7" && $0.identity == anonymous })
        #expect(set.resolve(apiKey: nil, clientAddress: "192.0.2.7", path: "/").key == "ip:192.0.2.7")
        // Longer than a small string: the key lives on the heap.
        #expect(set.resolve(apiKey: nil, clientAddress: "2001:db8:85a3::8a2e:370:7334", path: "/").key == "ip:2001:db8:85a3::/64")
    }

    /// The attack: a host owning a /64 takes a new address from it for every request. All of its
    /// addresses are one client; the neighbouring /64 is another.
    @Test func anIPv6ClientIsCountedPerSlash64SoNewAddressesMintNoBudget() throws {
        let set = try policies()
        let minted = Set((0..<1_000).map { set.resolve(apiKey: "made-up", clientAddress: "2001:db8:1:2::\(String($0, radix: 16))", path: "/").key })
        #expect(minted == ["ip:2001:db8:1:2::/64"])
        #expect(set.resolve(apiKey: nil, clientAddress: "2001:db8:1:2:ffff:ffff:ffff:ffff", path: "/").key == "ip:2001:db8:1:2::/64")
        #expect(set.resolve(apiKey: nil, clientAddress: "2001:db8:1:3::1", path: "/").key == "ip:2001:db8:1:3::/64")
        // IPv4 clients are never grouped.
        #expect(set.resolve(apiKey: nil, clientAddress: "192.0.2.8", path: "/").key == "ip:192.0.2.8")
    }

    /// Every limit a client can meet is counted under its one key: its own and every route's.
    @Test func limitsPerClientCountsTheClientsOwnAndEveryRoutesLimitOnce() throws {
        #expect(try policies().limitsPerClient == 2)
        let hourly = try (0..<9).map { try RateLimit(name: "r\($0).1/h", 1, per: .seconds(3600)) }
        let routes = (0..<9).map { RoutePolicy(pathPrefix: "/r\($0)", policy: RateLimitPolicy(name: "route:/r\($0)", limits: [hourly[$0]]), cost: 1) }
        // One limit shared by two routes is one state.
        let shared = RoutePolicy(pathPrefix: "/again", policy: RateLimitPolicy(name: "route:/again", limits: [hourly[0]]), cost: 1)
        let twoLimitTier = RateLimitPolicy(name: "tier:gold", limits: [try RateLimit(name: "gold.s", 10, per: .seconds(1)), try RateLimit(name: "gold.h", 100, per: .seconds(3600))])
        let set = try PolicySet(tiers: ["gold": twoLimitTier], anonymous: anonymous, routes: routes + [shared])
        #expect(set.limitsPerClient == 11)
    }

    @Test func theIPv6GroupingIsConfigurableAnd128CountsEachAddress() throws {
        let perAddress = try PolicySet(anonymous: anonymous, ipv6PrefixLength: 128)
        #expect(perAddress.resolve(apiKey: nil, clientAddress: "2001:db8:1:2::7", path: "/").key == "ip:2001:db8:1:2::7")
        let perSite = try PolicySet(anonymous: anonymous, ipv6PrefixLength: 48)
        #expect(perSite.resolve(apiKey: nil, clientAddress: "2001:db8:1:2::7", path: "/").key == "ip:2001:db8:1::/48")
        // An `/explain` question with text that is no address keeps the text.
        #expect(perSite.resolve(apiKey: nil, clientAddress: "not:an:address", path: "/").key == "ip:not:an:address")
        for length in [0, 129, -1] {
            #expect(throws: PolicyConfigurationError.invalidIPv6PrefixLength(length)) { try PolicySet(anonymous: anonymous, ipv6PrefixLength: length) }
        }
    }

    @Test func aRouteAddsItsLimitsAndCost() throws {
        let resolution = try policies().resolve(apiKey: nil, clientAddress: "192.0.2.7", path: "/search/books")
        #expect(resolution.limits.map(\.name) == ["anonymous.10s", "search.2s"])
        #expect(resolution.cost == 2)
        #expect(resolution.policyName == "anonymous+route:/search")
    }

    @Test func aRouteHoldsWholePathSegmentsOnlyAsTheProxysRoutesDo() throws {
        let set = try policies()
        for path in ["/search", "/search/", "/search/books"] {
            #expect(set.resolve(apiKey: nil, clientAddress: "192.0.2.7", path: path).route == search, "\(path)")
        }
        for path in ["/searchable", "/search-old", "/", "/Search", "/other/search"] {
            #expect(set.resolve(apiKey: nil, clientAddress: "192.0.2.7", path: path).route == nil, "\(path)")
        }
        let everything = RoutePolicy(pathPrefix: "/static/", policy: nil, cost: 3)
        let withSlash = try PolicySet(anonymous: anonymous, routes: [everything])
        #expect(withSlash.resolve(apiKey: nil, clientAddress: "192.0.2.7", path: "/static/app.js").cost == 3)
        #expect(withSlash.resolve(apiKey: nil, clientAddress: "192.0.2.7", path: "/static").cost == 1)
    }

    @Test func aRouteForAHostHoldsOnlyThatHostWhateverItsCaseAndPort() throws {
        let shop = RoutePolicy(pathPrefix: "/search", host: "shop.example", policy: nil, cost: 5)
        let set = try PolicySet(anonymous: anonymous, routes: [search, shop])
        #expect(set.matchesHosts)
        func cost(_ path: String, _ host: String?) -> Int { set.resolve(apiKey: nil, clientAddress: "192.0.2.7", path: path, hostField: host).cost }
        // At equal prefixes the host's route comes first; other hosts get the route for every host.
        #expect(cost("/search/a", "shop.example") == 5)
        #expect(cost("/search/a", "SHOP.Example:8443") == 5)
        #expect(cost("/search/a", "other.example") == 2)
        #expect(cost("/search/a", "shop.example.org") == 2)
        #expect(cost("/search/a", nil) == 2)
        #expect(cost("/", "shop.example") == 1)
        let v6 = try PolicySet(anonymous: anonymous, routes: [RoutePolicy(pathPrefix: "/", host: "[::1]", policy: nil, cost: 4)])
        #expect(v6.resolve(apiKey: nil, clientAddress: "::1", path: "/x", hostField: "[::1]:8080").cost == 4)
        #expect(try !policies().matchesHosts)
    }

    @Test func aKeyNamingAMissingTierIsRefusedWithoutShowingTheKey() {
        #expect(throws: PolicyConfigurationError.unknownTier("gold", apiKeyPrefix: "sk_l")) {
            try PolicySet(tiers: [:], apiKeys: ["sk_live_secret": "gold"], anonymous: anonymous)
        }
    }

    @Test func aRouteCostAboveALimitIsRefused() {
        let dear = RoutePolicy(pathPrefix: "/export", policy: nil, cost: 11)
        #expect(throws: PolicyConfigurationError.self) { try PolicySet(anonymous: anonymous, routes: [dear]) }
    }

    @Test func sipHashMatchesThePapersVector() {
        // SipHash-2-4, key 00 01 … 0f, message 00 01 … 0e (Aumasson and Bernstein, appendix A).
        let hasher = KeyHasher(key0: 0x0706_0504_0302_0100, key1: 0x0F0E_0D0C_0B0A_0908)
        let message = String(decoding: (0..<15).map { UInt8($0) }, as: UTF8.self)
        #expect(hasher.digest(message) == 0xA129_CA61_49BE_45E5)
        // The same 8 bytes, most significant first, in base64url without padding.
        #expect(hasher.hash(message) == "oSnKYUm-ReU")
    }

    @Test func aKnownKeysStoreKeyFitsInsideItsString() throws {
        // 15 bytes at most: Swift keeps such a string in the value, with no heap object per key.
        let resolution = try policies().resolve(apiKey: "good-key", clientAddress: "192.0.2.1", path: "/")
        #expect(resolution.key.utf8.count == 15)
        #expect(resolution.key.dropFirst(4).utf8.allSatisfy { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
    }
}
