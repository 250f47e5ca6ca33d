/// Body chunks between a connection (producer) and the body's reader, holding at most about
/// `highWaterMark` bytes before the connection stops reading: a server connection's request
/// body on its way to the handler, and a client connection's response body on its way to the caller.
///
/// Both sides run on the connection's loop: the producer is the connection's read callback, and
/// the reader hops there with a task executor preference (a handler or proxy already runs there
/// and pays nothing), so the buffer needs no lock. (The server's request bodies used to go
/// through a `Mutex`-guarded channel, a lock per chunk, so that a reader could take chunks from
/// any thread; a second, lock-free copy served the client. The hop costs a reader elsewhere a
/// little, and is also what keeps ThreadSanitizer runs clean: the runtime's job hand-off is
/// annotated for it, a contended `Mutex` hand-off in the kernel is not.)
///
/// `@unchecked Sendable`: every stored property is touched only on `loop`'s thread
/// (checked by `assertInEventLoop`).
final class BodyChunkBuffer: @unchecked Sendable {
    static let highWaterMark = 256 * 1024
    static let lowWaterMark = 64 * 1024

    let loop: EventLoop
    /// The connection feeding the buffer and its exchange, told when the reader wants more;
    /// held directly rather than through a closure, which cost an allocation per body.
    let producer: (any BodyChunkProducer)?
    private let exchange: UInt64
    /// What the reader waits for, for the `.concurrentWait` error.
    private let operation: String
    private var chunks: [[UInt8]] = []
    private var firstChunk = 0
    /// Bytes received and not yet taken by the reader.
    private(set) var bufferedByteCount = 0
    /// The most bytes buffered at any one time so far; lets tests check the memory bound.
    private(set) var peakBufferedByteCount = 0
    private var isFinished = false
    private var failure: (any Error)?
    /// The reader waiting for a chunk; resumed by the producer or by the reader's cancellation.
    /// Made on the first wait: a small body is usually whole before anyone reads it.
    private(set) var waiter: SingleWaiter<[UInt8]?>?
    /// Whether the producer stopped reading and waits for `bodyDemanded`.
    private var isProducerPaused: Bool

    /// A buffer fed by `producer` for its exchange `exchange`. With `waitsForFirstRead`, the
    /// producer reads nothing until the reader first asks (a server answering
    /// `Expect: 100-continue` only once the handler reads the body).
    init(loop: EventLoop, producer: (any BodyChunkProducer)?, exchange: UInt64, operation: String, waitsForFirstRead: Bool = false) {
        self.loop = loop
        self.producer = producer
        self.exchange = exchange
        self.operation = operation
        isProducerPaused = waitsForFirstRead
    }

    /// Adds a chunk (producer); returns true when the producer should pause until it is told `bodyDemanded`.
    func yield(_ chunk: [UInt8]) -> Bool {
        loop.assertInEventLoop()
        if let waiter, waiter.resume(returning: chunk) { return false }
        chunks.append(chunk)
        bufferedByteCount += chunk.count
        peakBufferedByteCount = max(peakBufferedByteCount, bufferedByteCount)
        isProducerPaused = bufferedByteCount >= Self.highWaterMark
        return isProducerPaused
    }

    /// Marks the end of the body (producer).
    func finish() {
        loop.assertInEventLoop()
        isFinished = true
        waiter?.resume(returning: nil)
    }

    /// Ends the body with an error the reader sees after the buffered chunks.
    func fail(_ error: any Error) {
        loop.assertInEventLoop()
        guard !isFinished, failure == nil else { return }
        failure = error
        waiter?.resume(throwing: error)
    }

    /// The next chunk, nil at the end (reader, any task); suspends while empty.
    func next() async throws -> [UInt8]? {
        // A handler task already prefers the loop: skip pushing and popping a preference per chunk.
        if loop.isCurrentTaskPreferring { return try await nextOnLoop() }
        return try await withTaskExecutorPreference(loop) {
            // After the loop exited this runs elsewhere; the buffer is loop-only state.
            guard loop.inEventLoop else { throw HTTPEngineError.shutDown }
            return try await self.nextOnLoop()
        }
    }

    private func nextOnLoop() async throws -> [UInt8]? {
        loop.assertInEventLoop()
        if firstChunk < chunks.count {
            let chunk = chunks[firstChunk]
            firstChunk += 1
            if firstChunk == chunks.count {
                chunks.removeAll(keepingCapacity: true)
                firstChunk = 0
            }
            bufferedByteCount -= chunk.count
            if isProducerPaused, bufferedByteCount < Self.lowWaterMark, !isFinished, failure == nil {
                isProducerPaused = false
                producer?.bodyDemanded(exchange: exchange)
            }
            return chunk
        }
        if let failure { throw failure }
        if isFinished { return nil }
        // On the loop with no suspension since the checks above, so the producer (also on
        // the loop) cannot add a chunk in between. The demand goes out only once the waiter
        // is in place, because the producer may deliver a chunk at once.
        let waiter = waiter ?? SingleWaiter(operation: operation)
        self.waiter = waiter
        return try await waiter.wait { [self] in
            guard isProducerPaused else { return }
            isProducerPaused = false
            producer?.bodyDemanded(exchange: exchange)
        }
    }
}

/// A connection feeding a `BodyChunkBuffer`: told, on its loop, when the reader of exchange
/// `exchange` drained the buffer and wants more.
protocol BodyChunkProducer: AnyObject {
    func bodyDemanded(exchange: UInt64)
}
