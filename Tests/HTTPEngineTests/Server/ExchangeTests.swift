import Testing
@testable import HTTPEngine

@Suite("Server exchanges")
struct ExchangeTests {
    @Test func answersGetAndKeepsTheConnectionAlive() async throws {
        try await withTestServer(handler: okHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                for _ in 0..<3 {
                    client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                    let response = try #require(try client.readResponse())
                    #expect(response.status == 200)
                    #expect(response.bodyText == "ok")
                    #expect(response.headers["content-length"] == "2")
                    #expect(response.headers["connection"] == nil)
                }
            }
        }
    }

    @Test func answersPipelinedRequestsInOrder() async throws {
        try await withTestServer(handler: echoHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                let requests = (0..<5).map { "POST /\($0) HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n\($0)" }
                client.send(requests.joined())
                for index in 0..<5 {
                    let response = try #require(try client.readResponse())
                    #expect(response.headers["x-path"] == "/\(index)")
                    #expect(response.bodyText == "\(index)")
                }
            }
        }
    }

    @Test func closesAfterHTTP10RequestUnlessKeepAliveIsAsked() async throws {
        try await withTestServer(handler: okHandler) { _, port in
            try await blocking {
                let plain = try RawClient(port: port)
                plain.send("GET / HTTP/1.0\r\n\r\n")
                let first = try #require(try plain.readResponse())
                #expect(first.headers["connection"] == "close")
                #expect(plain.waitForClose())

                let keepAlive = try RawClient(port: port)
                keepAlive.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let second = try #require(try keepAlive.readResponse())
                #expect(second.headers["connection"] == "keep-alive")
                keepAlive.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                #expect(try keepAlive.readResponse()?.status == 200)
            }
        }
    }

    @Test func closesWhenClientSendsConnectionClose() async throws {
        try await withTestServer(handler: okHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                #expect(try client.readResponse()?.headers["connection"] == "close")
                #expect(client.waitForClose())
            }
        }
    }

    @Test func readsContentLengthAndChunkedBodies() async throws {
        try await withTestServer(handler: echoHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world")
                #expect(try client.readResponse()?.bodyText == "hello world")
                client.send("POST /b HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
                #expect(try client.readResponse()?.bodyText == "hello world")
            }
        }
    }

    @Test func sendsChunkedResponsesForStreamsWithoutLength() async throws {
        let handler = HTTPClosureHandler { _ in
            HTTPResponse(body: .stream { writer in
                try await writer.write("abc")
                try await writer.write("def")
            })
        }
        try await withTestServer(handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try #require(try client.readResponse())
                #expect(response.headers["transfer-encoding"] == "chunked")
                #expect(response.bodyText == "abcdef")
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse()?.bodyText == "abcdef")
            }
        }
    }

    @Test func headResponseKeepsHeadersButSendsNoBody() async throws {
        try await withTestServer(handler: okHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try #require(try client.readResponse(isHeadRequest: true))
                #expect(response.headers["content-length"] == "2")
                #expect(response.body.isEmpty)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse()?.bodyText == "ok")
            }
        }
    }

    @Test func sendsContinueOnlyWhenTheHandlerReadsTheBody() async throws {
        try await withTestServer(handler: echoHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
                // Long: the 100 comes at once, but a starved ThreadSanitizer run took more than 10 s.
                try client.receiveMore(before: .now + .seconds(60))
                client.send("data")
                let response = try #require(try client.readResponse())
                #expect(response.bodyText == "data")
            }
            try await blocking {
                // Reads the raw stream so the interim response itself is checked.
                let client = try RawClient(port: port)
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
                while true {
                    let received = try client.readUntilCount(25)
                    #expect(String(decoding: received.prefix(25), as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
                    break
                }
                client.send("data")
                let all = String(decoding: try client.readUntilClose(), as: UTF8.self)
                #expect(all.hasSuffix("\r\n\r\ndata"))
            }
        }
    }

    @Test func rejectsUnknownExpectationWith417() async throws {
        try await withTestServer(handler: echoHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nExpect: teapot\r\n\r\nx")
                #expect(try client.readResponse()?.status == 417)
            }
        }
    }

    @Test func exposesPeerAndLocalAddresses() async throws {
        let handler = HTTPClosureHandler { request in
            var headers = HTTPHeaders()
            headers["x-remote"] = request.remoteAddress.host
            headers["x-remote-port"] = String(request.remoteAddress.port)
            headers["x-local"] = request.localAddress.description
            headers["x-family"] = request.remoteAddress.family == .inet ? "inet" : "inet6"
            headers["x-bytes"] = request.remoteAddress.addressBytes.map(String.init).joined(separator: ".")
            return HTTPResponse(headers: headers)
        }
        try await withTestServer(handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try #require(try client.readResponse())
                #expect(response.headers["x-remote"] == "127.0.0.1")
                #expect(response.headers["x-bytes"] == "127.0.0.1")
                #expect(response.headers["x-family"] == "inet")
                #expect(Int(response.headers["x-remote-port"] ?? "") ?? 0 > 0)
                #expect(response.headers["x-local"] == "127.0.0.1:\(port)")
            }
        }
    }

    @Test func runsMiddlewareInFrontOfTheHandler() async throws {
        struct KeyCheck: HTTPMiddleware {
            func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
                guard request.headers["x-api-key"] == "good" else { throw HTTPError(.unauthorized) }
                var response = try await next.handle(request)
                response.headers["x-checked"] = "yes"
                return response
            }
        }
        try await withTestServer(handler: okHandler.wrapped(in: KeyCheck())) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\nX-API-Key: good\r\n\r\n")
                #expect(try client.readResponse()?.headers["x-checked"] == "yes")
                client.send("GET / HTTP/1.1\r\nHost: t\r\nX-API-Key: bad\r\n\r\n")
                #expect(try client.readResponse()?.status == 401)
            }
        }
    }

    @Test func runsTheHandlerOnTheConnectionsLoopThread() async throws {
        let handler = HTTPClosureHandler { request in
            HTTPResponse(body: .init(string: request.eventLoop?.inEventLoop == true ? "same" : "other"))
        }
        try await withTestServer(handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse()?.bodyText == "same")
            }
        }
    }

    @Test func turnsHandlerErrorsIntoStatuses() async throws {
        struct Boom: Error {}
        let handler = HTTPClosureHandler { request in
            if request.path == "/teapot" { throw HTTPError(HTTPStatus(code: 418, reasonPhrase: "I'm a teapot")) }
            throw Boom()
        }
        try await withTestServer(handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET /teapot HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse()?.status == 418)
                client.send("GET /other HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try client.readResponse()?.status == 500)
            }
        }
    }
}
