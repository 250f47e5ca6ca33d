import Synchronization
import Testing
@testable import HTTPEngine

/// `totalBytes` of a repeating pattern in chunks made on demand, so a large body never sits in memory.
struct GeneratedChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let totalBytes: Int
    let chunkSize: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: Int
        let chunkSize: Int

        mutating func next() async throws -> [UInt8]? {
            guard remaining > 0 else { return nil }
            let count = Swift.min(chunkSize, remaining)
            remaining -= count
            return [UInt8](repeating: UInt8(truncatingIfNeeded: remaining), count: count)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(remaining: totalBytes, chunkSize: chunkSize)
    }
}

/// Progress of a scripted upstream that sends a large body, shared with the test.
final class SendProgress: Sendable {
    let sentWhenStalled = Atomic<Int>(-1)
    let stalled = ThreadGate()
}

extension ClientTests {
    @Suite("Client streaming")
    struct ClientStreamingTests {
        static let largeSize = 50 * 1024 * 1024

        @Test func streamsLargeRequestBodyGeneratedLazily() async throws {
            let countingHandler = HTTPClosureHandler { request in
                var count = 0
                for try await chunk in request.body { count += chunk.count }
                return HTTPResponse(status: .ok, body: .init(string: "\(count)"))
            }
            try await withUpstreamServer(configure: { $0.maxRequestBodySize = 64 * 1024 * 1024 }, handler: countingHandler) { port in
                try await withClient { client in
                    for length in [nil, Self.largeSize] as [Int?] {
                        var request = HTTPClientRequest(method: .post, host: "127.0.0.1", port: port, target: "/upload")
                        request.body = .stream(GeneratedChunks(totalBytes: Self.largeSize, chunkSize: 64 * 1024), length: length)
                        let response = try await client.execute(request)
                        #expect(response.status.code == 200)
                        #expect(String(decoding: try await response.body.collect(upTo: 64), as: UTF8.self) == "\(Self.largeSize)")
                    }
                }
            }
        }

        @Test func stopsReadingLargeResponseWhileConsumerIsNotReading() async throws {
            let progress = SendProgress()
            let total = Self.largeSize
            try await withScriptedUpstream(script: { connection in
                guard try connection.readRequest() != nil else { return }
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: \(total)\r\n\r\n")
                let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
                var sent = 0
                var hasStalled = false
                while sent < total {
                    let taken = connection.sendWithoutBlocking(chunk[..<min(chunk.count, total - sent)])
                    if taken < 0 { return }
                    sent += taken
                    guard taken == 0 else { continue }
                    // Stalled means the client left the socket full for a long moment, not a brief hiccup.
                    if !hasStalled, !connection.waitUntilWritable(timeout: .milliseconds(500)) {
                        hasStalled = true
                        progress.sentWhenStalled.store(sent, ordering: .releasing)
                        progress.stalled.open()
                    }
                    _ = connection.waitUntilWritable(timeout: .seconds(60))
                }
                _ = connection.waitForClose()
            }) { upstream in
                try await withClient { client in
                    let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
                    #expect(response.body.expectedLength == total)
                    #expect(try await progress.stalled.wait())
                    let sentWhenStalled = progress.sentWhenStalled.load(ordering: .acquiring)
                    // Socket buffers (a few MiB on loopback) plus the client's ~256 KiB, far from the whole body.
                    #expect(sentWhenStalled > 0)
                    #expect(sentWhenStalled < 20 * 1024 * 1024)
                    // The client's own two buffers, not the kernel's: the body handed to nobody yet
                    // (its mark plus one read) and the bytes read ahead of the parser.
                    let channel = try #require(response.body.channel)
                    let (peakBuffered, readAhead) = try await channel.loop.perform {
                        (channel.peakBufferedByteCount, (channel.producer as? ClientConnection)?.core.inbound.readableCount)
                    }
                    #expect(peakBuffered <= BodyChunkBuffer.highWaterMark + ClientConnection.readChunkSize)
                    #expect(try #require(readAhead) <= HTTPParserLimits().maxHeaderBytes + ClientConnection.readChunkSize)
                    var received = 0
                    for try await chunk in response.body { received += chunk.count }
                    #expect(received == total)
                }
            }
        }

        @Test func proxiesThroughServerHandlerWithoutLeavingItsLoop() async throws {
            let group = try EventLoopGroup(loopCount: 2)
            let client = HTTPClient(eventLoopGroup: group)
            let stayedOnLoopCounter = LoopCheckCounter()
            try await withUpstreamServer(handler: echoHandler) { upstreamPort in
                let proxy = HTTPClosureHandler { request in
                    var outbound = HTTPClientRequest(method: request.method, host: "127.0.0.1", port: upstreamPort, target: request.target)
                    outbound.body = .stream(request.body, length: request.body.expectedLength)
                    let response = try await client.execute(outbound, on: request.eventLoop)
                    // The handler's task prefers the connection's loop; the client kept it there.
                    if request.eventLoop?.inEventLoop == true { stayedOnLoopCounter.count.add(1, ordering: .relaxed) }
                    let body = response.body
                    return HTTPResponse(status: response.status, headers: response.headers, body: .stream(contentLength: body.expectedLength) { writer in
                        for try await chunk in body { try await writer.write(chunk) }
                    })
                }
                let server = HTTPServer(configuration: testServerConfiguration(), handler: proxy, eventLoopGroup: group)
                let address = try await server.start()
                let answers = try await blocking {
                    let raw = try RawClient(port: address.port)
                    var answers: [String] = []
                    for index in 0..<3 {
                        raw.send("POST /echo/\(index) HTTP/1.1\r\nHost: proxy\r\nContent-Length: 5\r\n\r\nhello")
                        let response = try #require(try raw.readResponse())
                        answers.append("\(response.status) \(response.headers["x-path"] ?? "") \(response.bodyText)")
                    }
                    return answers
                }
                #expect(answers == ["200 /echo/0 hello", "200 /echo/1 hello", "200 /echo/2 hello"])
                await server.shutdown(gracePeriod: .seconds(1))
            }
            #expect(stayedOnLoopCounter.count.load(ordering: .relaxed) == 3)
            await client.shutdown()
        }
    }
}

/// Counts handler runs that found themselves on their connection's loop after an await.
final class LoopCheckCounter: Sendable {
    let count = Atomic<Int>(0)
}
