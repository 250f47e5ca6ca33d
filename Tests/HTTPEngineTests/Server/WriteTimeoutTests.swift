import Synchronization
import Testing
@testable import HTTPEngine

@Suite("Write time-out")
struct WriteTimeoutTests {
    @Test(arguments: ResponseOutputMemoryBoundTests.Answering.allCases)
    func aPipeliningClientThatNeverReadsIsDroppedOnceWritesStopProgressing(answering: ResponseOutputMemoryBoundTests.Answering) async throws {
        // The memory bounds keep such a client to the high-water mark of output plus the read-ahead;
        // the write time-out is what gives that memory back. Without it the paused connection
        // stays, its buffers with it, for as long as the client keeps its socket open.
        try await withTestServer(configure: { $0.writeTimeout = .milliseconds(300) }, handler: answering.handler) { server, port in
            let client = try RawClient(port: port)
            let batch = Array(Array(repeating: Array("GET /p HTTP/1.1\r\nHost: t\r\n\r\n".utf8), count: 2048).joined())
            let isStopped = Atomic<Bool>(false)
            let hasFailedToSend = Atomic<Bool>(false)
            async let sender: Void = blocking {
                // The server's close reaches the sender as a reset.
                if client.sendRepeatedly(batch, until: { isStopped.load(ordering: .acquiring) }) { hasFailedToSend.store(true, ordering: .releasing) }
            }
            _ = await waitUntil(deadline: .now + .seconds(60)) { (try? await server.openConnectionsForTesting().first) != nil }
            // The kernel would otherwise absorb megabytes of answers before the output backs up.
            // (On a loaded run the connection can fill them and be dropped before this looks
            // again: then it is gone already, which is what the test waits for below.)
            if let connection = try await server.openConnectionsForTesting().first {
                try await connection.shrinkSendBufferForTesting(to: 4096)
            }
            // 300 ms without progress is the bound; 60 s allows a starved, sanitized run.
            let isDropped = await waitUntil(deadline: .now + .seconds(60)) { server.connectionCount == 0 }
            #expect(isDropped)
            #expect(await waitUntil(deadline: .now + .seconds(60)) { hasFailedToSend.load(ordering: .acquiring) })
            isStopped.store(true, ordering: .releasing)
            try await sender
        }
    }
}
