import HTTPEngine
import Testing
@testable import ReverseProxy

@Suite("Forwarding through real sockets", .serialized)
struct ForwardingEndToEndTests {
    @Test func backendSeesTheTargetAndRewrittenFieldsAndTheClientGetsTheRequestID() async throws {
        let backend = try await TestBackend(fieldEchoHandler)
        defer { Task { await backend.stop() } }
        let forwarding = ForwardingOptions(clientFields: .both, preservesHost: false, viaPseudonym: "edge")
        try await withProxy(try catchAllConfiguration([backend], forwarding: forwarding)) { proxy in
            let response = try await fetch("/items?id=3", port: proxy.port, headers: [
                ("Connection", "X-Hop"), ("X-Hop", "1"), ("X-Forwarded-For", "203.0.113.9"), ("X-Request-ID", "req-42"),
                ("Proxy-Authorization", "Basic c2VjcmV0"), ("Accept", "text/plain"),
            ])
            #expect(response.status == 200)
            let lines = response.bodyText.split(separator: "\n").map(String.init)
            #expect(lines.first == "GET /items?id=3")
            #expect(lines.contains("host: 127.0.0.1:\(backend.port)"))
            #expect(lines.contains("x-forwarded-for: 203.0.113.9, 127.0.0.1"))
            #expect(lines.contains("x-forwarded-proto: http"))
            #expect(lines.contains("x-forwarded-host: proxy.test"))
            #expect(lines.contains("forwarded: for=127.0.0.1;host=proxy.test;proto=http"))
            #expect(lines.contains("via: 1.1 edge"))
            #expect(lines.contains("x-request-id: req-42"))
            #expect(lines.contains("accept: text/plain"))
            #expect(!lines.contains { $0.hasPrefix("x-hop") || $0.hasPrefix("proxy-authorization") || $0.hasPrefix("connection") })
            #expect(response.headers["x-request-id"] == "req-42")
            #expect(response.headers["via"] == "1.1 edge")
        }
    }

    @Test func unmatchedPathGets404JSONAndConnectGets405() async throws {
        let backend = try await TestBackend(fieldEchoHandler)
        defer { Task { await backend.stop() } }
        let pool = try BackendPool(name: "api", backends: [backend.backend])
        try await withProxy(ReverseProxyConfiguration(routes: [Route(pathPrefix: "/api", pool: pool)])) { proxy in
            let response = try await fetch("/other", port: proxy.port)
            #expect(response.status == 404)
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.bodyText.hasPrefix("{\"error\":\"no_route\",\"status\":404"))
            let generatedID = try #require(response.headers["x-request-id"])
            #expect(response.bodyText.contains("\"request_id\":\"\(generatedID)\""))
        }
    }

    @Test func headKeepsTheLengthWithoutABodyAnd204And304HaveNoBodyOnAKeptConnection() async throws {
        let backend = try await TestBackend(HTTPClosureHandler { request in
            switch request.path {
            case "/empty": HTTPResponse(status: .noContent, headers: HTTPHeaders([("X-Kind", "204")]))
            case "/cached": HTTPResponse(status: HTTPStatus(code: 304), headers: HTTPHeaders([("ETag", "\"v1\"")]))
            default: HTTPResponse(status: .ok, body: .init(string: "hello world"))
            }
        })
        defer { Task { await backend.stop() } }
        try await withProxy(try catchAllConfiguration([backend])) { proxy in
            let responses = try await blocking {
                let client = try ProxyTestClient(port: proxy.port)
                var responses: [ReceivedResponse] = []
                for (method, path) in [("HEAD", "/page"), ("GET", "/empty"), ("GET", "/cached"), ("GET", "/page")] {
                    client.send("\(method) \(path) HTTP/1.1\r\nHost: proxy.test\r\n\r\n")
                    responses.append(try client.readResponse(isHeadRequest: method == "HEAD"))
                }
                return responses
            }
            #expect(responses.map(\.status) == [200, 204, 304, 200])
            #expect(responses[0].headers["content-length"] == "11")
            #expect(responses[0].body.isEmpty)
            #expect(responses[1].headers["x-kind"] == "204" && !responses[1].headers.contains(name: "content-length"))
            #expect(!responses[1].headers.contains(name: "transfer-encoding"))
            #expect(responses[2].headers["etag"] == "\"v1\"" && responses[2].body.isEmpty)
            // The last answer parsed right after the three bodiless ones: their framing was right.
            #expect(responses[3].bodyText == "hello world")
        }
    }

    @Test func expectContinueIsAnsweredOnceABackendIsReachedThenTheBodyIsForwarded() async throws {
        let backend = try await TestBackend(fieldEchoHandler)
        let bodyEcho = try await TestBackend(HTTPClosureHandler { request in
            HTTPResponse(status: .ok, body: .init(bytes: try await request.body.collect(upTo: 1024)))
        })
        defer { Task { await backend.stop(); await bodyEcho.stop() } }
        try await withProxy(try catchAllConfiguration([bodyEcho])) { proxy in
            let (interim, final) = try await blocking {
                let client = try ProxyTestClient(port: proxy.port)
                client.send("POST / HTTP/1.1\r\nHost: proxy.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                let interim = try client.readResponse(stopAtInterim: true)
                client.send("hello")
                return (interim, try client.readResponse())
            }
            #expect(interim.status == 100)
            #expect(final.status == 200)
            #expect(final.bodyText == "hello")
        }
    }
}
