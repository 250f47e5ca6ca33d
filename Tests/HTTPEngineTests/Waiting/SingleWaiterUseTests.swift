import Synchronization
import Testing
@testable import HTTPEngine

/// Every engine wait takes one waiter: a second one is refused with `.concurrentWait`
/// (the first still completes), and a cancelled waiter resumes at once.
@Suite("Single waiters in body reads and writes")
struct SingleWaiterUseTests {
    /// How long a test waits for a task to reach its wait or to finish after being resumed.
    /// Both take milliseconds when the process runs alone; the bound only keeps a broken wait
    /// from hanging the run. Generous because the whole test run shares the cooperative pool's
    /// few threads (as many as cores) and, on CI, the cores with other jobs.
    static let patience = Duration.seconds(60)

    /// Where a waiting task ended up.
    enum Outcome: Equatable {
        case value([UInt8]?)
        case concurrentWait
        case cancelled
        case otherError(String)
    }

    final class OutcomeBox: Sendable {
        let outcome = Locked<Outcome?>(nil)
        func record(_ body: () async throws -> [UInt8]?) async {
            let result: Outcome
            do {
                result = .value(try await body())
            } catch let error as HTTPEngineError where error.code == .concurrentWait {
                result = .concurrentWait
            } catch is CancellationError {
                result = .cancelled
            } catch {
                result = .otherError(String(describing: error))
            }
            outcome.withLock { $0 = result }
        }
        var value: Outcome? { outcome.withLock { $0 } }
        func waitForOutcome() async -> Outcome? {
            _ = await waitUntil(deadline: .now + SingleWaiterUseTests.patience) { value != nil }
            return value
        }
    }

    final class ByteCounter: Sendable {
        let count = Atomic<Int>(0)
    }

    @Test func secondRequestBodyReaderIsRefusedAndFirstStillGetsTheChunk() async throws {
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.next()
        let channel = BodyChunkBuffer(loop: loop, producer: nil, exchange: 1, operation: "request body read")
        let first = OutcomeBox()
        let second = OutcomeBox()
        Task { await first.record { try await channel.next() } }
        #expect(await waitUntil(deadline: .now + Self.patience) { (try? await loop.perform { channel.hasWaiter }) == true })
        Task { await second.record { try await channel.next() } }
        #expect(await second.waitForOutcome() == .concurrentWait)
        _ = loop.execute { _ = channel.yield([1, 2, 3]) }
        #expect(await first.waitForOutcome() == .value([1, 2, 3]))
        await group.shutdown()
    }

    @Test func cancellingARequestBodyReaderResumesItPromptly() async throws {
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.next()
        let channel = BodyChunkBuffer(loop: loop, producer: nil, exchange: 1, operation: "request body read")
        let reader = OutcomeBox()
        let task = Task { await reader.record { try await channel.next() } }
        #expect(await waitUntil(deadline: .now + Self.patience) { (try? await loop.perform { channel.hasWaiter }) == true })
        task.cancel()
        #expect(await reader.waitForOutcome() == .cancelled)
        // The slot is free again: a new reader gets the next chunk.
        let next = OutcomeBox()
        Task { await next.record { try await channel.next() } }
        #expect(await waitUntil(deadline: .now + Self.patience) { (try? await loop.perform { channel.hasWaiter }) == true })
        _ = loop.execute { _ = channel.yield([7]) }
        #expect(await next.waitForOutcome() == .value([7]))
        await group.shutdown()
    }

    @Test func secondResponseBodyReaderIsRefusedAndFirstStillGetsTheChunk() async throws {
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.next()
        let buffer = BodyChunkBuffer(loop: loop, producer: nil, exchange: 1, operation: "response body read")
        let first = OutcomeBox()
        let second = OutcomeBox()
        Task { await first.record { try await buffer.next() } }
        #expect(await waitUntil(deadline: .now + Self.patience) { (try? await loop.perform { buffer.hasWaiter }) == true })
        Task { await second.record { try await buffer.next() } }
        #expect(await second.waitForOutcome() == .concurrentWait)
        _ = loop.execute { _ = buffer.yield([4, 5]) }
        #expect(await first.waitForOutcome() == .value([4, 5]))
        await group.shutdown()
    }

    @Test func cancellingAResponseBodyReaderResumesItPromptly() async throws {
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.next()
        let buffer = BodyChunkBuffer(loop: loop, producer: nil, exchange: 1, operation: "response body read")
        let reader = OutcomeBox()
        let task = Task { await reader.record { try await buffer.next() } }
        #expect(await waitUntil(deadline: .now + Self.patience) { (try? await loop.perform { buffer.hasWaiter }) == true })
        task.cancel()
        #expect(await reader.waitForOutcome() == .cancelled)
        await group.shutdown()
    }

    /// A streamed response backed up behind a client that does not read yet: the first
    /// extra `write` waits, a concurrent second one is refused, a cancelled one resumes.
    @Test func concurrentResponseWritersAreRefusedAndCancelledWriterResumes() async throws {
        let waiting = OutcomeBox()
        let refused = OutcomeBox()
        let cancelled = OutcomeBox()
        let writtenBytes = ByteCounter()
        let handler = HTTPClosureHandler { _ in
            HTTPResponse(body: .stream { writer in
                let connection = try #require(writer.sink as? ServerConnection)
                let isWriterWaiting: @Sendable () async -> Bool = {
                    (try? await connection.loop.perform { connection.hasWriteWaiter }) == true
                }
                // Writes until one waits: the kernel buffers (the server's grows on its own) are full.
                let cancelledWrite = Task {
                    await cancelled.record {
                        let block = [UInt8](repeating: 0x61, count: 256 * 1024)
                        while true {
                            try await writer.write(block)
                            writtenBytes.count.add(block.count, ordering: .relaxed)
                        }
                    }
                }
                _ = await waitUntil(deadline: .now + Self.patience, isWriterWaiting)
                cancelledWrite.cancel()
                _ = await cancelled.waitForOutcome()
                Task { await waiting.record { try await writer.write("w"); return nil } }
                _ = await waitUntil(deadline: .now + Self.patience, isWriterWaiting)
                await refused.record { try await writer.write("r"); return nil }
                _ = await waiting.waitForOutcome()
            })
        }
        try await withTestServer(handler: handler) { _, port in
            let client = try RawClient(port: port, socketBufferSize: 4096)
            client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(await cancelled.waitForOutcome() == .cancelled)
            #expect(await refused.waitForOutcome() == .concurrentWait)
            let response = try await blocking { try client.readResponse(timeout: Self.patience) }
            #expect(await waiting.waitForOutcome() == .value(nil))
            #expect(response?.body.count == writtenBytes.count.load(ordering: .relaxed) + 1)
            #expect(response?.body.last == UInt8(ascii: "w"))
        }
    }
}
