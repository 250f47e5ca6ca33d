import HTTPEngine
import Testing
import TestSupport
@testable import ReverseProxy

@Suite("Streaming through real sockets", .serialized)
struct StreamingEndToEndTests {
    @Test func uploadOfManyMebibytesStreamsThroughIntactChunkedAndWithLength() async throws {
        let backend = try await TestBackend(HTTPClosureHandler { request in
            var checksum = BodyChecksum()
            for try await chunk in request.body { checksum.add(chunk) }
            return HTTPResponse(status: .ok, body: .init(string: "\(checksum.count) \(checksum.value)"))
        })
        defer { Task { await backend.stop() } }
        let chunks = 128
        let size = chunks * patternChunkSize
        let expected = BodyChecksum.ofPattern(chunks: chunks)
        try await withProxy(try catchAllConfiguration([backend])) { proxy in
            for isChunked in [false, true] {
                let response = try await blocking {
                    let client = try ProxyTestClient(port: proxy.port)
                    let framing = isChunked ? "Transfer-Encoding: chunked" : "Content-Length: \(size)"
                    client.send("POST /upload HTTP/1.1\r\nHost: proxy.test\r\n\(framing)\r\n\r\n")
                    for number in 0..<chunks {
                        let piece = patternChunk(number)
                        if isChunked {
                            client.send(String(piece.count, radix: 16) + "\r\n")
                            client.send(piece)
                            client.send("\r\n")
                        } else {
                            client.send(piece)
                        }
                    }
                    if isChunked { client.send("0\r\n\r\n") }
                    return try client.readResponse(timeout: .seconds(60))
                }
                #expect(response.status == 200)
                #expect(response.bodyText == "\(expected.count) \(expected.value)", "chunked: \(isChunked)")
            }
        }
    }

    @Test func downloadOfManyMebibytesStreamsThroughIntactChunkedAndWithLength() async throws {
        let chunks = 128
        let size = chunks * patternChunkSize
        let backend = try await TestBackend(HTTPClosureHandler { request in
            let length = request.path == "/length" ? size : nil
            return HTTPResponse(status: .ok, body: .stream(contentLength: length) { writer in
                for number in 0..<chunks { try await writer.write(patternChunk(number)) }
            })
        })
        defer { Task { await backend.stop() } }
        let expected = BodyChecksum.ofPattern(chunks: chunks)
        try await withProxy(try catchAllConfiguration([backend])) { proxy in
            for path in ["/chunked", "/length"] {
                let response = try await blocking {
                    let client = try ProxyTestClient(port: proxy.port)
                    client.send("GET \(path) HTTP/1.1\r\nHost: proxy.test\r\n\r\n")
                    return try client.readResponse(timeout: .seconds(60))
                }
                var checksum = BodyChecksum()
                checksum.add(response.body)
                #expect(checksum == expected, "\(path)")
                #expect(path == "/length" ? response.headers["content-length"] == "\(size)" : response.headers["transfer-encoding"] == "chunked")
            }
        }
    }

    @Test func responseBodyReachesTheClientBeforeTheBackendHasFinishedIt() async throws {
        let release = TestSignal()
        let backend = try await TestBackend(HTTPClosureHandler { _ in
            HTTPResponse(status: .ok, body: .stream { writer in
                try await writer.write("first part;")
                await release.wait()
                try await writer.write("second part")
            })
        })
        defer { Task { await backend.stop() } }
        try await withProxy(try catchAllConfiguration([backend])) { proxy in
            let client = try ProxyTestClient(port: proxy.port)
            client.send("GET / HTTP/1.1\r\nHost: proxy.test\r\n\r\n")
            // The backend is still holding its second part back, yet the first one arrives.
            let early = try await blocking { try client.readUntilBodyStarts() }
            #expect(early > 0)
            release.fire()
            let response = try await blocking { try client.readResponse() }
            #expect(response.bodyText == "first part;second part")
        }
    }

    @Test func requestBodyReachesTheBackendBeforeTheClientHasSentAllOfIt() async throws {
        let firstChunkArrived = TestSignal()
        let backend = try await TestBackend(HTTPClosureHandler { request in
            var received = 0
            for try await chunk in request.body {
                received += chunk.count
                firstChunkArrived.fire()
            }
            return HTTPResponse(status: .ok, body: .init(string: "\(received)"))
        })
        defer { Task { await backend.stop() } }
        try await withProxy(try catchAllConfiguration([backend])) { proxy in
            let client = try ProxyTestClient(port: proxy.port)
            client.send("POST / HTTP/1.1\r\nHost: proxy.test\r\nContent-Length: 2000\r\n\r\n" + String(repeating: "a", count: 1000))
            #expect(await eventually { firstChunkArrived.hasFired })
            client.send(String(repeating: "b", count: 1000))
            let response = try await blocking { try client.readResponse() }
            #expect(response.bodyText == "2000")
        }
    }

    /// Sends `request` on a new connection and reads the response: the response, or how reading it failed
    /// (`.closedEarly` with the body bytes received when the proxy closed the connection mid-body).
    static func outcome(of request: String, port: UInt16) async throws -> Result<ReceivedResponse, ProxyTestClientError> {
        try await blocking {
            let client = try ProxyTestClient(port: port)
            client.send(request)
            do {
                return .success(try client.readResponse())
            } catch let error as ProxyTestClientError {
                return .failure(error)
            }
        }
    }

    @Test func backendDyingMidBodyClosesTheClientConnectionInsteadOfEndingTheBody() async throws {
        let backend = try await TestBackend(HTTPClosureHandler { request in
            let length = request.path == "/length" ? 1 << 20 : nil
            return HTTPResponse(status: .ok, body: .stream(contentLength: length) { writer in
                try await writer.write([UInt8](repeating: 7, count: 65536))
                struct BackendCrash: Error {}
                throw BackendCrash()
            })
        })
        defer { Task { await backend.stop() } }
        try await withProxy(try catchAllConfiguration([backend])) { proxy in
            for path in ["/length", "/chunked"] {
                let outcome = try await Self.outcome(of: "GET \(path) HTTP/1.1\r\nHost: proxy.test\r\n\r\n", port: proxy.port)
                guard case .failure(.closedEarly(let received)) = outcome else {
                    Issue.record("\(path): truncated body was not signalled by a close: \(outcome)")
                    continue
                }
                #expect(received <= 65536, "\(path)")
            }
        }
    }

    @Test func backendFallingSilentMidBodyClosesTheClientConnectionAtTheResponseTimeOut() async throws {
        let release = TestSignal()
        let backend = try await TestBackend(HTTPClosureHandler { request in
            let length = request.path == "/length" ? 1 << 20 : nil
            return HTTPResponse(status: .ok, body: .stream(contentLength: length) { writer in
                try await writer.write([UInt8](repeating: 7, count: 65536))
                // Silent from here on, the connection left open.
                await release.wait()
            })
        })
        defer { Task { release.fire(); await backend.stop() } }
        var clientConfiguration = HTTPClientConfiguration()
        clientConfiguration.responseTimeout = .milliseconds(500)
        try await withProxy(clientConfiguration: clientConfiguration, try catchAllConfiguration([backend])) { proxy in
            // GET goes the way of answers given later, a POST with a body through the handler task.
            for (method, path) in [("GET", "/length"), ("GET", "/chunked"), ("POST", "/length"), ("POST", "/chunked")] {
                let started = ContinuousClock.now
                let body = method == "POST" ? "Content-Length: 2\r\n\r\nhi" : "\r\n"
                let request = "\(method) \(path) HTTP/1.1\r\nHost: proxy.test\r\n" + body
                var outcome = try await Self.outcome(of: request, port: proxy.port)
                // A 504 is the time-out striking before the head came: right, but not the stall under test.
                // On a loaded machine the in-process backend can take that long to answer, so try again
                // (CI saw it once in many runs); a proxy that always answers 504 still fails below.
                for _ in 1..<5 {
                    guard case .success(let response) = outcome, response.status == 504 else { break }
                    outcome = try await Self.outcome(of: request, port: proxy.port)
                }
                guard case .failure(.closedEarly(let received)) = outcome else {
                    Issue.record("\(method) \(path): a stalled body was not ended by a close: \(outcome)")
                    continue
                }
                #expect(received <= 65536, "\(method) \(path)")
                // The 300 ms time-out, not the client's patience, ended it.
                #expect(ContinuousClock.now - started < .seconds(20), "\(method) \(path)")
            }
        }
    }

    @Test func clientLeavingMidBodyStopsTheBackendsEndlessStream() async throws {
        let writerFailed = TestSignal()
        let backend = try await TestBackend(HTTPClosureHandler { _ in
            HTTPResponse(status: .ok, body: .stream { writer in
                do {
                    while true { try await writer.write(patternChunk(0)) }
                } catch {
                    writerFailed.fire()
                    throw error
                }
            })
        })
        defer { Task { await backend.stop() } }
        try await withProxy(try catchAllConfiguration([backend])) { proxy in
            let client = try ProxyTestClient(port: proxy.port)
            client.send("GET /endless HTTP/1.1\r\nHost: proxy.test\r\n\r\n")
            _ = try await blocking { try client.readUntilBodyStarts() }
            client.abandon()
            // The proxy drops the backend connection instead of reading an endless body for nobody.
            #expect(await eventually { writerFailed.hasFired })
        }
    }

    @Test func clientLeavingBeforeTheBackendAnswersClosesTheBackendConnection() async throws {
        let started = TestSignal()
        let cancelled = TestSignal()
        let backend = try await TestBackend(HTTPClosureHandler { _ in
            started.fire()
            do {
                try await Task.sleep(for: .seconds(600))
            } catch {
                // The engine cancels a handler whose client (here the proxy) went away.
                cancelled.fire()
            }
            return HTTPResponse(status: .ok)
        })
        defer { Task { await backend.stop() } }
        try await withProxy(try catchAllConfiguration([backend])) { proxy in
            let client = try ProxyTestClient(port: proxy.port)
            // Without a body: forwarded from the loop's callbacks, where the client's leaving
            // reaches the upstream exchange through the responder's cancellation.
            client.send("GET /slow HTTP/1.1\r\nHost: proxy.test\r\n\r\n")
            #expect(await eventually { started.hasFired })
            client.abandon()
            #expect(await eventually { cancelled.hasFired })
        }
    }
}
