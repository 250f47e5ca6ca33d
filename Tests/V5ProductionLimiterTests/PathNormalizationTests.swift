import HTTPEngine
import Testing
import V5ProductionLimiter

/// `ip-and-path` keys: every spelling of one path spends from one bucket.
@Suite struct PathNormalizationTests {
    private func pathKey(_ target: String) throws -> String? {
        try ClientAndPathKeyExtractor.clientAddressAndPath().key(for: TestRequests.request(path: target))?.rawValue
    }

    @Test(arguments: [
        "/%61pi",                 // percent-encoded unreserved letter (RFC 3986 §6.2.2.2)
        "/%2e/api", "/%2E%2E/api", // encoded dot segments, decoded before they are removed
        "/./api", "/x/../api", "/x/y/../../api", "/../api", // dot segments (§5.2.4)
        "http://host/api", "HTTP://host:8080/api", "https://other.example/x/../api", // absolute form (RFC 9112 §3.2.2)
        "//api", "/api//", "///api", // repeated slashes, merged like nginx's default
        "/api/",                  // trailing slash
        "/api?page=2",            // the query is not part of the key
    ])
    func reSpelledPathSharesTheExhaustedBucket(target: String) async throws {
        let handler = CountingHandler()
        let (middleware, store) = memoryMiddleware(
            limit: try BucketLimit(capacity: 1, refillRatePerSecond: 1),
            keyExtractor: .clientAddressAndPath())
        #expect(try await middleware.handle(TestRequests.request(path: "/api"), next: handler).status == .ok)
        #expect(try await middleware.handle(TestRequests.request(path: target), next: handler).status == .tooManyRequests)
        #expect(handler.calls.value == 1)
        #expect(store.statistics.keyCount == 1)
    }

    @Test(arguments: [
        ("/", "/"),
        ("http://host", "/"),
        ("http://host?q=1", "/"),
        ("/%7euser/%7Efile", "/~user/~file"),
        ("/a%2fb", "/a%2Fb"),           // an encoded slash is data, not a separator: kept, hex upper-cased
        ("/a%c3%a9", "/a%C3%A9"),
        ("/a\"b{c}", "/a%22b%7Bc%7D"),  // characters a path may not contain raw are encoded
        ("/a/./b/../c/", "/a/c"),
        ("/../../..", "/"),
        ("/a/b/..", "/a"),
        ("/a/.", "/a"),
        ("/A/Api", "/A/Api"),           // path case is significant (RFC 3986 §6.2.2.1)
        ("/a;b=c", "/a;b=c"),
        ("*", "*"),                     // asterisk form (OPTIONS *): the server, not a path
    ])
    func pathIsKeyedInItsNormalSpelling(target: String, normalized: String) throws {
        #expect(try pathKey(target) == "path:ip:203.0.113.7 " + normalized)
    }

    @Test func pathsNamingDifferentResourcesKeepSeparateKeys() throws {
        let keys = try ["/api", "/API", "/api%2Fx", "/api/x", "/ap", "/api.", "/api%25"].map(pathKey)
        #expect(Set(keys).count == keys.count)
    }

    @Test(arguments: [
        "/a%zz", "/a%4", "/a%",       // a % that does not start an escape
        "/a#fragment",                // a fragment never belongs in a request target
        "example.com:443",            // authority form (CONNECT) names no path
        "api", "http:/api", "://x/api", "1http://host/api", // neither a path nor an absolute URI
        "/a//../b", "/a/b//..",       // `..` after `//`: merging slashes first or last names different paths
    ])
    func unusableTargetIsRefused(target: String) {
        let extractor: ClientAndPathKeyExtractor = .clientAddressAndPath()
        let error = #expect(throws: RateLimitKeyError.self) { try extractor.key(for: TestRequests.request(path: target)) }
        #expect(error?.code == "malformed_path", "\(String(describing: error))")
    }

    @Test func doubleSlashBeforeDotDotWithNothingAboveIsNotAmbiguous() throws {
        // Merged first or last, `//..` and `//../a` resolve to the same path, so nothing is refused.
        #expect(try pathKey("//..") == "path:ip:203.0.113.7 /")
        #expect(try pathKey("//../a") == "path:ip:203.0.113.7 /a")
    }

    @Test func malformedPathGets400AndSpendsNothing() async throws {
        let handler = CountingHandler()
        let (middleware, store) = memoryMiddleware(
            limit: try BucketLimit(capacity: 1, refillRatePerSecond: 1),
            keyExtractor: .clientAddressAndPath())
        let response = try await middleware.handle(TestRequests.request(path: "/a%zz"), next: handler)
        #expect(response.status == .badRequest)
        #expect(handler.calls.value == 0)
        #expect(store.statistics.keyCount == 0)
    }

    @Test func normalizingANormalizedPathChangesNothing() throws {
        // Random targets from the pieces that matter; every accepted one must be a fixed point,
        // or a key could be reached by two spellings after all.
        let pieces = ["/", "//", ".", "..", "%2e", "%2E%2e", "%2F", "%2f", "a", "%61", "B", "~", "%7e", "%25", "\"", ";", "?q", "%"]
        var generator = SeededGenerator(state: 0xA71)
        var acceptedCount = 0
        for _ in 0..<3_000 {
            let length = Int(generator.next() % 12)
            let target = "/" + (0..<length).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            guard let path = try? NormalizedPath(requestTarget: target.utf8) else { continue }
            acceptedCount += 1
            #expect(try NormalizedPath(requestTarget: path.value.utf8) == path, "\(target) -> \(path)")
            #expect(path.value.first == "/" && !path.value.contains("//") && (path.value == "/" || path.value.last != "/"))
        }
        #expect(acceptedCount > 1_000, "too few targets were accepted for the property to say much")
    }

    @Test func lengthLimitHoldsBeforeAndAfterNormalizing() {
        let extractor: ClientAndPathKeyExtractor = .clientAddressAndPath(maximumPathBytes: 256)
        let tooLong = RateLimitKeyError.tooLong(field: "the request path", maximumBytes: 256)
        // Refused on the raw bytes, before any decoding work.
        #expect(throws: tooLong) { try extractor.key(for: TestRequests.request(path: "/" + String(repeating: "a", count: 10_000))) }
        // 101 raw bytes that grow to 301 once `"` is encoded: the stored key stays within the bound.
        #expect(throws: tooLong) { try extractor.key(for: TestRequests.request(path: "/" + String(repeating: "\"", count: 100))) }
        // An absolute-form target is measured by its path, not its scheme and host.
        let longHost = "http://" + String(repeating: "h", count: 300) + "/api"
        #expect(throws: Never.self) { try extractor.key(for: TestRequests.request(path: longHost)) }
    }
}
