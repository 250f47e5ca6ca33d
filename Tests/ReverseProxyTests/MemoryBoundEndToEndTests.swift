import HTTPEngine
import Testing
import TestSupport
@testable import ReverseProxy

/// The proxy holds no body whole: a side that stops reading stalls the side that sends.
@Suite("Bounded buffering through real sockets", .serialized)
struct MemoryBoundEndToEndTests {
    static let chunks = 1024
    static let size = chunks * patternChunkSize  // 64 MiB
    /// Kernel socket buffers on the proxy's two sockets and the backend's hold several MiB
    /// (autotuned; stalls were seen at 5–7 MiB), the proxy's own buffers about 1 MiB. A quarter
    /// of the body leaves room for both and is far below a proxy that buffers everything.
    static let bound = size / 4
    /// The stalled side's write time-out, far beyond the test. With the default 30 s a loaded
    /// ThreadSanitizer run once failed with `closedEarly(receivedBodyBytes: 0)` after 65 s, most
    /// likely that time-out dropping the connection whose client was not yet reading; these
    /// tests are about buffering.
    static let writeTimeout = Duration.seconds(600)

    @Test func clientThatStopsReadingStallsTheBackendAndThenGetsTheWholeBody() async throws {
        let written = Mutexed(0)
        let backend = try await TestBackend(HTTPClosureHandler { _ in
            HTTPResponse(status: .ok, body: .stream(contentLength: Self.size) { writer in
                for number in 0..<Self.chunks {
                    try await writer.write(patternChunk(number))
                    written.withLock { $0 += patternChunkSize }
                }
            })
        }, writeTimeout: Self.writeTimeout)
        defer { Task { await backend.stop() } }
        try await withProxy(serverWriteTimeout: Self.writeTimeout, try catchAllConfiguration([backend])) { proxy in
            let client = try ProxyTestClient(port: proxy.port, socketBufferSize: 4096)
            client.send("GET /large HTTP/1.1\r\nHost: proxy.test\r\n\r\n")
            let writtenWhenStalled = await Self.valueOnceItStopsGrowing { written.withLock { $0 } }
            #expect(writtenWhenStalled > 0)
            #expect(writtenWhenStalled < Self.bound, "the backend got \(writtenWhenStalled) bytes out while the client read nothing")
            let response = try await blocking { try client.readResponse(timeout: .seconds(120)) }
            var checksum = BodyChecksum()
            checksum.add(response.body)
            #expect(checksum == BodyChecksum.ofPattern(chunks: Self.chunks))
        }
    }

    @Test func backendThatStopsReadingStallsTheClientsUploadAndThenGetsTheWholeBody() async throws {
        let release = TestSignal()
        let backend = try await TestBackend(HTTPClosureHandler { request in
            await release.wait()
            var checksum = BodyChecksum()
            for try await chunk in request.body { checksum.add(chunk) }
            return HTTPResponse(status: .ok, body: .init(string: "\(checksum.count) \(checksum.value)"))
        }, writeTimeout: Self.writeTimeout)
        defer { Task { release.fire(); await backend.stop() } }
        // The head comes only after the whole 64 MiB upload, which under a loaded ThreadSanitizer
        // run took close to the suite's 10 s upstream time-out; this test is about buffering.
        try await withProxy(serverWriteTimeout: Self.writeTimeout, try catchAllConfiguration([backend], upstreamTimeout: .seconds(120))) { proxy in
            let client = try ProxyTestClient(port: proxy.port, socketBufferSize: 4096)
            client.send("POST /upload HTTP/1.1\r\nHost: proxy.test\r\nContent-Length: \(Self.size)\r\n\r\n")
            let sentWhenStalled = try await blocking { () -> Int in
                var sent = 0
                var number = 0
                while number < Self.chunks {
                    let chunk = patternChunk(number)
                    var offset = sent - number * patternChunkSize
                    while offset < chunk.count {
                        let taken = client.sendWithoutBlocking(chunk[offset...])
                        guard taken >= 0 else { throw ProxyTestClientError.closedEarly(receivedBodyBytes: 0) }
                        sent += taken
                        offset += taken
                        // Stalled: the proxy left the socket full for a long moment, not a brief hiccup.
                        if taken == 0, !client.waitUntilWritable(timeout: .milliseconds(500)) { return sent }
                    }
                    number += 1
                }
                return sent
            }
            // What the kernel holds in the four sockets (the client's, the proxy's two, the
            // backend's) is the kernel's: a receive buffer autotuned to 32 MiB once let 38 MB
            // through before the stall. The rest is the proxy's and the backend's read-ahead:
            // the proxy's promise is 256 KiB + a read in each of its two buffers, the backend's
            // 256 KiB + a read; 2 MiB leaves room for neither growing, far below 64 MiB.
            let inKernel = KernelSocketQueues.bytes(onPorts: [proxy.port, backend.port])
            #expect(sentWhenStalled > 0 && sentWhenStalled < Self.size)
            #expect(sentWhenStalled - inKernel < 2 << 20, "the proxy and the backend took \(sentWhenStalled - inKernel) of \(sentWhenStalled) bytes while the backend read nothing (\(inKernel) in kernel buffers)")
            release.fire()
            let response = try await blocking { () -> ReceivedResponse in
                var sent = sentWhenStalled
                while sent < Self.size {
                    let number = sent / patternChunkSize
                    let chunk = patternChunk(number)
                    client.send(Array(chunk[(sent - number * patternChunkSize)...]))
                    sent = (number + 1) * patternChunkSize
                }
                return try client.readResponse(timeout: .seconds(120))
            }
            let expected = BodyChecksum.ofPattern(chunks: Self.chunks)
            #expect(response.bodyText == "\(expected.count) \(expected.value)")
        }
    }

    /// Polls `read` until it has not changed for half a second (at most 30 s) and returns it:
    /// how a test sees that a sender has stalled, since a stall is the absence of an event.
    @Test func clientThatPipelinesAndNeverReadsStopsBeingReadAndTheBackendStopsGettingRequests() async throws {
        let forwarded = Mutexed(0)
        let backend = try await TestBackend(HTTPClosureHandler { _ in
            forwarded.withLock { $0 += 1 }
            return HTTPResponse(status: .ok, body: .init(string: "ok"))
        })
        defer { Task { await backend.stop() } }
        try await withProxy(serverWriteTimeout: Self.writeTimeout, try catchAllConfiguration([backend])) { proxy in
            let client = try ProxyTestClient(port: proxy.port, socketBufferSize: 4096)
            let request = Array("GET /p HTTP/1.1\r\nHost: proxy.test\r\n\r\n".utf8)
            let batch = Array(Array(repeating: request, count: 2048).joined())
            // 1.7 million requests, were every one read and forwarded; the proxy stops reading
            // after about 1 MiB of them (26,000 answered into its output and the kernel's buffers).
            let limit = 64 * 1024 * 1024
            let sent = try await blocking { () -> Int in
                var sent = 0
                var idleWaits = 0
                // Sends until the proxy has stopped taking requests for 2 s in a row.
                while sent < limit, idleWaits < 100 {
                    let taken = client.sendWithoutBlocking(batch[(sent % batch.count)...])
                    if taken < 0 { break }
                    sent += taken
                    if taken == 0 {
                        idleWaits += client.waitUntilWritable(timeout: .milliseconds(20)) ? 0 : 1
                    } else {
                        idleWaits = 0
                    }
                }
                return sent
            }
            #expect(sent < limit, "the proxy read all \(sent) bytes of requests from a client that reads nothing")
            let forwardedWhenStalled = await Self.valueOnceItStopsGrowing { forwarded.withLock { $0 } }
            // Answers wait in the proxy's output (256 KiB mark, about 190 bytes each) and in the
            // kernel's buffers; the requests behind them wait in the socket.
            #expect(forwardedWhenStalled < 200_000, "\(forwardedWhenStalled) requests forwarded")
            // Reading resumes it: the answers come in order.
            let first = try await blocking { try client.readResponse(timeout: .seconds(60)) }
            #expect(first.status == 200)
            #expect(first.bodyText == "ok")
        }
    }

    static func valueOnceItStopsGrowing(_ read: () -> Int) async -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        var value = read()
        var unchangedSince = ContinuousClock.now
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            let next = read()
            if next != value {
                value = next
                unchangedSince = .now
            } else if value > 0, ContinuousClock.now - unchangedSince >= .milliseconds(500) {
                return value
            }
        }
        return value
    }
}
