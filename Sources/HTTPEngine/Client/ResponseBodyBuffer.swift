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
    private var chunks: [[UInt8]] = []
    private var firstChunk = 0
    private var bufferedBytes = 0
    private var isFinished = false
    private var failure: (any Error)?
    /// The reader waiting for a chunk; resumed by the producer or by the reader's cancellation.
    let waiter = SingleWaiter<[UInt8]?>(operation: "response body read")
    private var isProducerPaused = false
    /// Resumes the producer once the reader drained below the low-water mark.
    private let onDemand: () -> Void

    init(loop: EventLoop, onDemand: @escaping () -> Void) {
        self.loop = loop
        self.onDemand = onDemand
    }

    /// Adds a chunk (producer); returns true when the producer should pause until `onDemand`.
    func yield(_ chunk: [UInt8]) -> Bool {
        loop.assertInEventLoop()
        if waiter.resume(returning: chunk) { return false }
        chunks.append(chunk)
        bufferedBytes += chunk.count
        isProducerPaused = bufferedBytes >= Self.highWaterMark
        return isProducerPaused
    }

    /// Marks the end of the body (producer).
    func finish() {
        loop.assertInEventLoop()
        isFinished = true
        waiter.resume(returning: nil)
    }

    /// Ends the body with an error the reader sees after the buffered chunks.
    func fail(_ error: any Error) {
        loop.assertInEventLoop()
        guard !isFinished, failure == nil else { return }
        failure = error
        waiter.resume(throwing: error)
    }

    /// The next chunk, nil at the end (reader, any task); suspends while empty.
    func next() async throws -> [UInt8]? {
        try await withTaskExecutorPreference(loop) {
            // After the loop exited this runs elsewhere; the buffer is loop-only state.
            guard loop.inEventLoop else { throw HTTPClientError.shutDown }
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
                onDemand()
            }
            return chunk
        }
        if let failure { throw failure }
        if isFinished { return nil }
        // On the loop with no suspension since the checks above, so the producer (also on
        // the loop) cannot add a chunk in between.
        return try await waiter.wait()
    }
}
