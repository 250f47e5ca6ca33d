import Synchronization
import Testing
@testable import HTTPEngine

extension ClientTests {
    @Suite("Client pool wait cancellation")
    struct PoolWaitCancellationTests {
        /// A request queued for the pool's only connection leaves the queue at once when its
        /// task is cancelled, instead of waiting out `connectTimeout`.
        @Test func cancelledRequestWaitingForAPooledConnectionResumesPromptly() async throws {
            let release = ThreadGate()
            try await withScriptedUpstream(script: { connection in
                _ = try connection.readRequest()
                connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no")
                _ = release.wait()
                connection.send("k")
                while try connection.readRequest() != nil {
                    connection.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                }
            }) { upstream in
                try await withCappedClient(to: upstream, maxWaitingRequests: 8, queueTimeout: .seconds(30)) { client, loop, request in
                    let first = try await client.execute(request, on: loop)
                    let queued = Task { try await client.execute(request, on: loop) }
                    let pool = try #require(await loop.perform { client.pools(of: loop)!.pools[Upstream(host: "127.0.0.1", port: upstream.port)] })
                    #expect(await waitUntil(deadline: .now + .seconds(10)) { (try? await loop.perform { pool.waiters.count }) == 1 })
                    let cancelledAt = ContinuousClock.now
                    queued.cancel()
                    await #expect(throws: CancellationError.self) { _ = try await queued.value }
                    #expect(ContinuousClock.now - cancelledAt < .seconds(5))
                    #expect(try await loop.perform { pool.waiters.count } == 0)
                    release.open()
                    #expect(try await first.body.collect(upTo: 16) == Array("ok".utf8))
                    // The connection still serves the next request.
                    let next = try await client.execute(request, on: loop)
                    #expect(try await next.body.collect(upTo: 16) == Array("ok".utf8))
                }
            }
        }
    }
}
