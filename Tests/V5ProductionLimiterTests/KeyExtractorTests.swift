import HTTPEngine
import Testing
import V5ProductionLimiter

private func key(_ extractor: some RateLimitKeyExtractor, _ request: HTTPRequest) throws -> String? {
    try extractor.key(for: request)?.rawValue
}

/// The built-in key extractors: what each reads from a request and which key it makes.
@Suite struct KeyExtractorTests {
    @Test func builtInsAreSpelledAsDocumented() throws {
        // The list in `RateLimitKeyExtractor`'s documentation, spelled exactly as it is there.
        let extractors: [any RateLimitKeyExtractor] = [
            .clientAddress,
            try .clientAddress(resolver: .socketPeer, ipv6PrefixLength: 64),
            .apiKey(),
            .header("Tenant"),
            .bearerToken(),
            .clientAddressAndPath(),
            .custom { _ in "tenant-1" },
            .firstAvailable(.apiKey(), .clientAddress),
        ]
        #expect(extractors.count == 8)
    }

    @Test func clientAddressKeyNamesItsKind() throws {
        #expect(try key(.clientAddress, TestRequests.request(from: "203.0.113.7")) == "ip:203.0.113.7")
    }

    @Test func ipv6ClientsShareOneBucketPerPrefix() throws {
        let sameNetworkA = try key(.clientAddress, TestRequests.request(from: "2001:db8:1:2::a"))
        let sameNetworkB = try key(.clientAddress, TestRequests.request(from: "2001:db8:1:2:ffff::b"))
        let otherNetwork = try key(.clientAddress, TestRequests.request(from: "2001:db8:1:3::a"))
        #expect(sameNetworkA == "ip:2001:db8:1:2::/64")
        #expect(sameNetworkA == sameNetworkB)
        #expect(sameNetworkA != otherNetwork)
        let perAddress = try ClientAddressKeyExtractor(ipv6PrefixLength: 128)
        #expect(try key(perAddress, TestRequests.request(from: "2001:db8:1:2::a")) == "ip:2001:db8:1:2::a")
        #expect(throws: RateLimitConfigurationError.invalidPrefixLength(0)) { try ClientAddressKeyExtractor(ipv6PrefixLength: 0) }
    }

    @Test func keysOfDifferentKindsNeverCollide() throws {
        let request = TestRequests.request(from: "203.0.113.7", headers: [("X-API-Key", "ip:203.0.113.7"), ("Tenant", "ip:203.0.113.7")])
        let custom: CustomKeyExtractor = .custom { _ in "ip:203.0.113.7" }
        let keys = [
            try key(.clientAddress, request),
            try key(.apiKey(), request),
            try key(.header("Tenant"), request),
            try key(custom, request),
        ]
        #expect(keys == ["ip:203.0.113.7", "key:ip:203.0.113.7", "header(tenant):ip:203.0.113.7", "custom:ip:203.0.113.7"])
        #expect(Set(keys).count == keys.count)
    }

    @Test func fallbackUsesTheApiKeyElseTheAddress() throws {
        let chain: FallbackKeyExtractor = .firstAvailable(.apiKey(), .clientAddress)
        #expect(try key(chain, TestRequests.request(headers: [("x-api-key", "k-123")])) == "key:k-123")
        #expect(try key(chain, TestRequests.request(from: "198.51.100.4")) == "ip:198.51.100.4")
        #expect(chain.sourceDescription == "a X-API-Key header or the client address")
    }

    @Test func fallbackDoesNotFallThroughPastMalformedKeyMaterial() {
        let chain: FallbackKeyExtractor = .firstAvailable(.apiKey(), .clientAddress)
        let oversized = TestRequests.request(headers: [("X-API-Key", String(repeating: "k", count: 257))])
        #expect(throws: RateLimitKeyError.tooLong(field: "X-API-Key", maximumBytes: 256)) { try chain.key(for: oversized) }
    }

    @Test func bearerTokenComesFromAuthorization() throws {
        #expect(try key(.bearerToken(), TestRequests.request(headers: [("Authorization", "Bearer abc.def-ghi")])) == "bearer:abc.def-ghi")
        #expect(try key(.bearerToken(), TestRequests.request(headers: [("Authorization", "bearer   abc")])) == "bearer:abc")
        #expect(try key(.bearerToken(), TestRequests.request(headers: [("Authorization", "Basic dXNlcjpwYXNz")])) == nil)
        #expect(try key(.bearerToken(), TestRequests.request()) == nil)
        #expect(throws: RateLimitKeyError.malformedBearerToken) {
            try BearerTokenKeyExtractor.bearerToken().key(for: TestRequests.request(headers: [("Authorization", "Bearer ")]))
        }
        #expect(throws: RateLimitKeyError.invalidCharacter(field: "the bearer token")) {
            try BearerTokenKeyExtractor.bearerToken().key(for: TestRequests.request(headers: [("Authorization", "Bearer a b")]))
        }
    }

    @Test func clientAndPathGivesEachEndpointItsOwnKey() throws {
        let extractor: ClientAndPathKeyExtractor = .clientAddressAndPath()
        let search = try key(extractor, TestRequests.request(path: "/search?q=1"))
        #expect(search == "path:ip:203.0.113.7 /search")
        #expect(try key(extractor, TestRequests.request(path: "/search?q=2")) == search)
        #expect(try key(extractor, TestRequests.request(path: "/upload")) != search)
        #expect(throws: RateLimitKeyError.tooLong(field: "the request path", maximumBytes: 256)) {
            try extractor.key(for: TestRequests.request(path: "/" + String(repeating: "a", count: 300)))
        }
    }

    @Test func emptyApiKeyCountsAsAbsent() throws {
        #expect(try key(.apiKey(), TestRequests.request(headers: [("X-API-Key", "")])) == nil)
    }

    @Test func repeatedApiKeyHeaderIsRefused() {
        let request = TestRequests.request(headers: [("X-API-Key", "a"), ("X-API-Key", "b")])
        #expect(throws: RateLimitKeyError.repeatedField(field: "X-API-Key")) { try HeaderKeyExtractor.apiKey().key(for: request) }
    }

    @Test(arguments: ["abc\tdef", "abc def", "abc\u{7F}", "abc\u{85}"])
    func controlCharactersAndSpacesInKeysAreRefused(value: String) {
        let request = TestRequests.request(headers: [("X-API-Key", value)])
        #expect(throws: RateLimitKeyError.invalidCharacter(field: "X-API-Key")) { try HeaderKeyExtractor.apiKey().key(for: request) }
    }
}
