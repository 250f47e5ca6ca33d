import HTTPEngine
import Testing
@testable import ReverseProxy

@Suite("Header rewriting")
struct HeaderRewritingTests {
    let backend = Backend(host: "10.1.0.2", port: 8080)

    func request(_ fields: [(String, String)], from client: String = "192.0.2.7", version: HTTPVersion = .http1_1) -> HTTPRequest {
        HTTPRequest(
            head: HTTPRequestHead(method: .post, target: "/items?id=3", version: version, headers: HTTPHeaders(fields)),
            remoteAddress: SocketAddress(host: client, port: 50_000)!,
            localAddress: SocketAddress(host: "127.0.0.1", port: 80)!
        )
    }

    /// `head`'s fields as `options` send them back to the client.
    func rewritten(_ head: HTTPResponseHead, by options: ForwardingOptions, requestID: HTTPRequestID?) -> HTTPHeaders {
        var head = head
        options.rewriteDownstream(&head, requestID: requestID)
        return head.headers
    }

    @Test func hopByHopFieldsAndFieldsNamedInConnectionAreNotForwarded() {
        let incoming = request([
            ("Host", "shop.example"), ("Connection", "keep-alive, X-Secret , close"), ("Keep-Alive", "timeout=5"),
            ("Proxy-Connection", "keep-alive"), ("TE", "trailers"), ("Trailer", "X-Sum"), ("Transfer-Encoding", "chunked"),
            ("Upgrade", "websocket"), ("Proxy-Authorization", "Basic abc"), ("Proxy-Authenticate", "Basic"),
            ("X-Secret", "s"), ("Content-Length", "5"), ("Expect", "100-continue"), ("Accept", "text/html"), ("x-secret", "t"),
        ])
        let headers = ForwardingOptions().upstreamHeaders(for: incoming, backend: backend, requestID: nil)
        for name in ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
                     "proxy-authorization", "proxy-authenticate", "x-secret", "content-length", "expect"] {
            #expect(!headers.contains(name: name), "\(name) was forwarded")
        }
        #expect(headers["accept"] == "text/html")
        #expect(headers["host"] == "shop.example")
    }

    @Test func xForwardedForIsAppendedToAndProtoAndHostAreSet() {
        let incoming = request([("Host", "shop.example"), ("X-Forwarded-For", "203.0.113.1"), ("X-Forwarded-For", "198.51.100.2, 10.0.0.1"), ("X-Forwarded-Proto", "gopher")])
        let headers = ForwardingOptions().upstreamHeaders(for: incoming, backend: backend, requestID: nil)
        #expect(headers.values(name: "x-forwarded-for") == ["203.0.113.1, 198.51.100.2, 10.0.0.1, 192.0.2.7"])
        #expect(headers.values(name: "x-forwarded-proto") == ["http"])
        #expect(headers.values(name: "x-forwarded-host") == ["shop.example"])
        #expect(!headers.contains(name: "forwarded"))
    }

    @Test func forwardedElementIsAppendedWithIPv6NodesQuotedAndHostQuotedWhenNotAToken() {
        let options = ForwardingOptions(clientFields: .forwarded)
        let incoming = request([("Host", "shop.example:8443"), ("Forwarded", "for=203.0.113.1")], from: "2001:db8::7")
        let headers = options.upstreamHeaders(for: incoming, backend: backend, requestID: nil)
        #expect(headers.values(name: "forwarded") == ["for=203.0.113.1", "for=\"[2001:db8::7]\";host=\"shop.example:8443\";proto=http"])
        #expect(!headers.contains(name: "x-forwarded-for"))
        let both = ForwardingOptions(clientFields: .both).upstreamHeaders(for: request([("Host", "a.example")]), backend: backend, requestID: nil)
        #expect(both["forwarded"] == "for=192.0.2.7;host=a.example;proto=http")
        #expect(both["x-forwarded-for"] == "192.0.2.7")
    }

    @Test func hostIsPreservedOrRewrittenToTheBackend() {
        let incoming = request([("Host", "shop.example")])
        let rewritten = ForwardingOptions(preservesHost: false).upstreamHeaders(for: incoming, backend: backend, requestID: nil)
        #expect(rewritten.values(name: "host") == ["10.1.0.2:8080"])
        #expect(rewritten["x-forwarded-host"] == "shop.example")
        let ipv6 = ForwardingOptions(preservesHost: false).upstreamHeaders(for: incoming, backend: Backend(host: "::1", port: 81), requestID: nil)
        #expect(ipv6["host"] == "[::1]:81")
    }

    @Test func viaNamesTheReceivedProtocolVersionBothWays() {
        let options = ForwardingOptions(viaPseudonym: "edge")
        let incoming = request([("Host", "a"), ("Via", "1.1 cdn")], version: .http1_0)
        #expect(options.upstreamHeaders(for: incoming, backend: backend, requestID: nil).values(name: "via") == ["1.1 cdn", "1.0 edge"])
        let head = HTTPResponseHead(status: .ok, headers: HTTPHeaders([("Via", "1.1 origin-cache")]))
        #expect(rewritten(head, by: options, requestID: nil).values(name: "via") == ["1.1 origin-cache", "1.1 edge"])
    }

    @Test func aForwardedRequestIDReplacesEveryCopyTheClientSent() {
        // Which IDs are sane is the engine's rule (`HTTPRequestID`, tested with the engine).
        let headers = ForwardingOptions().upstreamHeaders(for: request([("X-Request-ID", "old"), ("x-request-id", "dup")]), backend: backend, requestID: "new")
        #expect(headers.values(name: "x-request-id") == ["new"])
    }

    @Test func hopByHopNamesMatchInAnyCaseAndNamesOfTheSameLengthAreKept() {
        let incoming = request([
            ("tE", "trailers"), ("UPGRADE", "h2c"), ("Keep-ALIVE", "timeout=5"), ("Proxy-Authorization", "Basic abc"),
            ("tz", "1"), ("Referer", "/a"), ("Connector", "b"), ("Keep-Alivf", "c"), ("Proxy-Connectiox", "d"),
            ("Transfer-Encodinh", "e"), ("Proxy-Authenticatf", "f"), ("Proxy-Authorizatiom", "g"),
        ])
        let headers = ForwardingOptions().upstreamHeaders(for: incoming, backend: backend, requestID: nil)
        for name in ["te", "upgrade", "keep-alive", "proxy-authorization"] {
            #expect(!headers.contains(name: name), "\(name) was forwarded")
        }
        for name in ["tz", "referer", "connector", "keep-alivf", "proxy-connectiox", "transfer-encodinh", "proxy-authenticatf", "proxy-authorizatiom"] {
            #expect(headers.contains(name: name), "\(name) was removed")
        }
    }

    @Test func fieldNamedInASecondConnectionFieldIsRemovedAfterAFirstNamingOnlyOptions() {
        let head = HTTPResponseHead(status: .ok, headers: HTTPHeaders([
            ("Connection", "keep-alive"), ("X-Hop", "1"), ("Connection", "Close, x-hop"), ("X-Kept", "2"),
        ]))
        let headers = rewritten(head, by: ForwardingOptions(), requestID: nil)
        #expect(Array(headers.map(\.name)) == ["X-Kept"])
        let optionsOnly = HTTPResponseHead(status: .ok, headers: HTTPHeaders([("Connection", "keep-alive, close"), ("X-Kept", "2")]))
        #expect(Array(rewritten(optionsOnly, by: ForwardingOptions(), requestID: nil).map(\.name)) == ["X-Kept"])
    }

    @Test func responseLosesHopByHopFieldsAndFramingAndCarriesTheRequestID() {
        let head = HTTPResponseHead(status: .ok, headers: HTTPHeaders([
            ("Connection", "close, X-Internal"), ("X-Internal", "1"), ("Keep-Alive", "timeout=5"), ("Transfer-Encoding", "chunked"),
            ("Content-Length", "10"), ("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"),
        ]))
        let headers = rewritten(head, by: ForwardingOptions(), requestID: "rid")
        #expect(Array(headers.map(\.name)) == ["Content-Type", "Set-Cookie", "Set-Cookie", "X-Request-ID"])
        #expect(headers.values(name: "set-cookie") == ["a=1", "b=2"])
        let own = HTTPResponseHead(status: .ok, headers: HTTPHeaders([("X-Request-ID", "backend-id")]))
        #expect(rewritten(own, by: ForwardingOptions(), requestID: "rid").values(name: "x-request-id") == ["backend-id"])
    }

    @Test func errorBodiesAreJSONWithEscapedText() {
        let failure = ProxyFailure(status: .badGateway, code: "bad_gateway", message: "quote \" back\\slash \n")
        let response = failure.response(requestID: "r1", requestIDField: "X-Request-ID")
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.headers["x-request-id"] == "r1")
        #expect(ProxyFailure.quoted("a\"b\\c\n\u{1}") == "\"a\\\"b\\\\c\\n\\u0001\"")
    }

    @Test func invalidForwardingOptionsAreRefusedNamingTheField() async throws {
        let pool = try BackendPool(name: "p", backends: [backend])
        let group = try EventLoopGroup(loopCount: 1)
        let client = HTTPClient(eventLoopGroup: group)
        let cases: [(ForwardingOptions, String)] = [
            (ForwardingOptions(viaPseudonym: "two words"), "via pseudonym"),
            (ForwardingOptions(requestIDField: "bad:name"), "request ID field"),
            (ForwardingOptions(scheme: ""), "scheme"),
        ]
        for (options, field) in cases {
            do {
                _ = try ReverseProxyHandler(configuration: .init(routes: [Route(pathPrefix: "/", pool: pool)], forwarding: options), client: client)
                Issue.record("accepted \(options)")
            } catch {
                #expect(error.description.contains(field))
            }
        }
        #expect(throws: ReverseProxyConfigurationError.self) {
            try ReverseProxyHandler(configuration: .init(routes: []), client: client)
        }
        #expect(throws: ReverseProxyConfigurationError.self) {
            try ReverseProxyHandler(configuration: .init(routes: [Route(pathPrefix: "/", pool: pool)], upstreamTimeout: .zero), client: client)
        }
        await client.shutdown()
        await group.shutdown()
    }
}
