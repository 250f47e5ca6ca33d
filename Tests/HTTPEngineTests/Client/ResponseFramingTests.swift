import Testing
@testable import HTTPEngine

/// Answers each request with `reply`, then keeps reading until the client closes.
func replying(_ reply: String) -> @Sendable (UpstreamConnection) throws -> Void {
    { connection in
        guard try connection.readRequest() != nil else { return }
        connection.send(reply)
        _ = connection.waitForClose()
    }
}

/// Sends one request to a scripted upstream that answers with `reply`; returns the
/// response head with its collected body.
func exchange(
    reply: @escaping @Sendable (UpstreamConnection) throws -> Void,
    method: HTTPMethod = .get
) async throws -> (head: HTTPResponseHead, body: [UInt8]) {
    var result: (HTTPResponseHead, [UInt8])?
    try await withScriptedUpstream(script: reply) { upstream in
        try await withClient { client in
            let response = try await client.execute(HTTPClientRequest(method: method, host: "127.0.0.1", port: upstream.port))
            result = (response.head, try await response.body.collect(upTo: 1 << 20))
        }
    }
    return try #require(result)
}

extension ClientTests {
    @Suite("Client response framing")
    struct ResponseFramingTests {
        @Test func readsChunkedBodyAndKeepsConnection() async throws {
            try await withScriptedUpstream(script: { connection in
                while try connection.readRequest() != nil {
                    connection.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: x\r\n\r\n")
                }
            }) { upstream in
                try await withClient { client in
                    let loop = client.eventLoopGroup.loops[0]
                    for _ in 0..<2 {
                        let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port), on: loop)
                        #expect(response.body.expectedLength == nil)
                        #expect(String(decoding: try await response.body.collect(upTo: 1024), as: UTF8.self) == "hello world")
                    }
                    #expect(upstream.acceptCount == 1)
                }
            }
        }

        @Test func readsBodyUntilCloseAndDoesNotReuseTheConnection() async throws {
            try await withScriptedUpstream(script: { connection in
                guard try connection.readRequest() != nil else { return }
                connection.send("HTTP/1.1 200 OK\r\n\r\nuntil ")
                connection.send("the end")
                connection.close()
            }) { upstream in
                try await withClient { client in
                    let loop = client.eventLoopGroup.loops[0]
                    for _ in 0..<2 {
                        let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port), on: loop)
                        #expect(String(decoding: try await response.body.collect(upTo: 1024), as: UTF8.self) == "until the end")
                    }
                    #expect(upstream.acceptCount == 2)
                }
            }
        }

        @Test func bytesAfterAResponseKeepItsConnectionOutOfThePool() async throws {
            let connections = SharedCounter()
            try await withScriptedUpstream(script: { connection in
                guard try connection.readRequest() != nil else { return }
                if connections.value.add(1, ordering: .relaxed).newValue == 1 {
                    // A second, unasked-for response behind the first: were the connection pooled,
                    // the next request would take it for its own answer (response smuggling).
                    connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!")
                } else {
                    connection.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
                }
                while try connection.readRequest() != nil {
                    connection.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
                }
            }) { upstream in
                try await withClient { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let request = HTTPClientRequest(host: "127.0.0.1", port: upstream.port)
                    let first = try await client.execute(request, on: loop)
                    #expect(try await first.body.collect(upTo: 16) == Array("ok".utf8))
                    let second = try await client.execute(request, on: loop)
                    let secondBody = String(decoding: try await second.body.collect(upTo: 16), as: UTF8.self)
                    #expect(secondBody == "fresh")
                    #expect(upstream.acceptCount == 2)
                }
            }
        }

        @Test func closesAfterHTTP10ResponseWithoutKeepAlive() async throws {
            try await withScriptedUpstream(script: { connection in
                while try connection.readRequest() != nil {
                    connection.send("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
                }
            }) { upstream in
                try await withClient { client in
                    for _ in 0..<2 {
                        let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                        #expect(try await response.body.collect(upTo: 16) == Array("ok".utf8))
                    }
                    #expect(upstream.acceptCount == 2)
                }
            }
        }

        @Test func ignoresBodyLengthOfResponseToHead() async throws {
            try await withScriptedUpstream(script: { connection in
                while let request = try connection.readRequest() {
                    let body = request.head.method == .head ? "" : "hello"
                    connection.send("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n\(body)")
                }
            }) { upstream in
                try await withClient { client in
                    let loop = client.eventLoopGroup.loops[0]
                    let head = try await client.execute(HTTPClientRequest(method: .head, host: "127.0.0.1", port: upstream.port), on: loop)
                    #expect(head.headers["content-length"] == "5")
                    #expect(try await head.body.collect(upTo: 1024).isEmpty)
                    let get = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port), on: loop)
                    #expect(try await get.body.collect(upTo: 1024) == Array("hello".utf8))
                    #expect(upstream.acceptCount == 1)
                }
            }
        }

        @Test func skipsInterimContinueResponse() async throws {
            let (head, body) = try await exchange(reply: replying(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone"
            ))
            #expect(head.status.code == 201)
            #expect(body == Array("done".utf8))
        }

        @Test func treatsNoContentAndNotModifiedAsBodyless() async throws {
            for status in ["204 No Content", "304 Not Modified"] {
                // A stray length must not make the client wait for bytes that never come.
                let (head, body) = try await exchange(reply: replying("HTTP/1.1 \(status)\r\nContent-Length: 10\r\n\r\n"))
                #expect(head.bodyFraming == .none)
                #expect(body.isEmpty)
            }
        }

        @Test func reportsMalformedStatusLineAsTypedError() async throws {
            await #expect(throws: HTTPEngineError.malformedResponse(HTTPParseError.invalidStatusLine)) {
                _ = try await exchange(reply: replying("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"))
            }
            await #expect(throws: HTTPEngineError.malformedResponse(HTTPParseError.conflictingFraming)) {
                _ = try await exchange(reply: replying("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"))
            }
            await #expect(throws: HTTPEngineError.malformedResponse(HTTPParseError.invalidChunkSize)) {
                _ = try await exchange(reply: replying("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
            }
            #expect(HTTPEngineError.malformedResponse(HTTPParseError.invalidStatusLine).status == .badGateway)
        }

        @Test func reportsUpstreamClosingMidBody() async throws {
            let error = await #expect(throws: HTTPEngineError.self) {
                _ = try await exchange(reply: { connection in
                    guard try connection.readRequest() != nil else { return }
                    connection.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
                    connection.close()
                })
            }
            #expect(error?.code == .connectionClosed)
        }

        @Test func reportsUpstreamClosingBeforeAnyResponse() async throws {
            let error = await #expect(throws: HTTPEngineError.self) {
                _ = try await exchange(reply: { connection in
                    _ = try connection.readRequest()
                    connection.close()
                })
            }
            #expect(error?.code == .connectionClosed)
        }
    }
}
