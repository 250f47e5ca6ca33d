/// Response body chunks between a connection (producer) and the body's reader,
/// holding at most about `highWaterMark` bytes before the connection stops reading.
///
/// Both sides run on the connection's loop: the reader hops there with a task
/// executor preference, so the buffer needs no lock. (The engine's
/// `RequestBodyChannel` is guarded by a `Mutex`, whose contended hand-off happens in
/// the kernel where ThreadSanitizer cannot see it; the runtime's job hand-off is
/// annotated for ThreadSanitizer, so this design also keeps sanitizer runs clean.)
///
/// `@unchecked Sendable`: every stored property is touched only on `loop`'s thread
/// (checked by `assertInEventLoop`).
final class ResponseBodyBuffer: @unchecked Sendable {
    static let highWaterMark = 256 * 1024
    static let lowWaterMark = 64 * 1024

    let loop: EventLoop
    /// The producer and its exchange, told when the reader drained the buffer (nil: nobody);
    /// held directly rather than through a closure, which cost an allocation per response.
    private let connection: ClientConnection?
    private let exchange: UInt64
    private var chunks: [[UInt8]] = []
    private var firstChunk = 0
    private var bufferedBytes = 0
    private var isFinished = false
    private var failure: (any Error)?
    /// The reader waiting for a chunk; resumed by the producer or by the reader's cancellation.
    /// Made on the first wait: a small body is usually whole before anyone reads it.
    private(set) var waiter: SingleWaiter<[UInt8]?>?
    private var isProducerPaused = false

    init(loop: EventLoop, connection: ClientConnection?, exchange: UInt64 = 0) {
        self.loop = loop
        self.connection = connection
        self.exchange = exchange
    }

    /// Adds a chunk (producer); returns true when the producer should pause until it is told `bodyDemanded`.
    func yield(_ chunk: [UInt8]) -> Bool {
        loop.assertInEventLoop()
        if let waiter, waiter.resume(returning: chunk) { return false }
        chunks.append(chunk)
        bufferedBytes += chunk.count
        isProducerPaused = bufferedBytes >= Self.highWaterMark
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
        try await withTaskExecutorPreference(loop) {
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
            bufferedBytes -= chunk.count
            if isProducerPaused, bufferedBytes < Self.lowWaterMark {
                isProducerPaused = false
                connection?.bodyDemanded(exchange: exchange)
            }
            return chunk
        }
        if let failure { throw failure }
        if isFinished { return nil }
        // On the loop with no suspension since the checks above, so the producer (also on
        // the loop) cannot add a chunk in between.
        let waiter = waiter ?? SingleWaiter(operation: "response body read")
        self.waiter = waiter
        return try await waiter.wait()
    }
}
