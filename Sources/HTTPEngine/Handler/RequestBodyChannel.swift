import Synchronization

/// Hands request body chunks from the connection (producer, on the loop) to the
/// handler (consumer, any thread), holding at most about `highWaterMark` bytes.
final class RequestBodyChannel: Sendable {
    struct State {
        var chunks: [[UInt8]] = []
        var firstChunk = 0
        var bufferedBytes = 0
        /// The most `bufferedBytes` ever reached; lets tests check the memory bound.
        var peakBufferedBytes = 0
        var isFinished = false
        var failure: (any Error)?
        /// Set when the producer stopped reading, or before the first read (100-continue).
        var isDemandSignalNeeded = true
    }

    static let highWaterMark = 256 * 1024
    static let lowWaterMark = 64 * 1024

    let state = Locked(State())
    /// The consumer waiting for a chunk. It waits only on `loop`, where the producer runs,
    /// so nothing can arrive between its look at `state` and its wait.
    let waiter = SingleWaiter<[UInt8]?>(operation: "request body read")
    /// Called (without the lock held) when the consumer wants more and the producer must resume.
    let onDemand: @Sendable () -> Void
    /// The producer's loop; a consumer elsewhere moves there before waiting, so the
    /// continuation is stored and resumed on one thread (see `EventLoop.perform`).
    let loop: EventLoop?

    init(loop: EventLoop, onDemand: @escaping @Sendable () -> Void) {
        self.loop = loop
        self.onDemand = onDemand
    }

    /// A channel that already holds all of `bytes`.
    init(bytes: [UInt8]) {
        onDemand = {}
        loop = nil
        state.withLock { state in
            if !bytes.isEmpty { state.chunks = [bytes] }
            state.bufferedBytes = bytes.count
            state.isFinished = true
            state.isDemandSignalNeeded = false
        }
    }

    /// Bytes received from the connection and not yet taken by the consumer.
    var bufferedByteCount: Int { state.withLock { $0.bufferedBytes } }

    /// The most bytes buffered at any one time so far.
    var peakBufferedByteCount: Int { state.withLock { $0.peakBufferedBytes } }

    /// Adds a chunk (producer); returns true when the producer should stop reading until `onDemand`.
    func yield(_ chunk: [UInt8]) -> Bool {
        if waiter.resume(returning: chunk) { return false }
        return state.withLock { state in
            state.chunks.append(chunk)
            state.bufferedBytes += chunk.count
            state.peakBufferedBytes = max(state.peakBufferedBytes, state.bufferedBytes)
            let shouldPause = state.bufferedBytes >= Self.highWaterMark
            if shouldPause { state.isDemandSignalNeeded = true }
            return shouldPause
        }
    }

    /// Marks the end of the body (producer).
    func finish() {
        state.withLock { $0.isFinished = true }
        waiter.resume(returning: nil)
    }

    /// Ends the body with an error the consumer will see after buffered chunks.
    func fail(_ error: any Error) {
        let isFailing = state.withLock { state in
            guard !state.isFinished, state.failure == nil else { return false }
            state.failure = error
            return true
        }
        if isFailing { waiter.resume(throwing: error) }
    }

    /// The next chunk, nil at the end (consumer); suspends while empty.
    func next() async throws -> [UInt8]? {
        enum Step {
            case chunk([UInt8], signal: Bool)
            case end
            case failure(any Error)
            case wait
        }
        let step = state.withLock { state -> Step in
            if state.firstChunk < state.chunks.count {
                let chunk = state.chunks[state.firstChunk]
                state.firstChunk += 1
                if state.firstChunk == state.chunks.count {
                    state.chunks.removeAll(keepingCapacity: true)
                    state.firstChunk = 0
                }
                state.bufferedBytes -= chunk.count
                let signal = state.isDemandSignalNeeded && state.bufferedBytes < Self.lowWaterMark && !state.isFinished
                if signal { state.isDemandSignalNeeded = false }
                return .chunk(chunk, signal: signal)
            }
            if let failure = state.failure { return .failure(failure) }
            return state.isFinished ? .end : .wait
        }
        switch step {
        case .chunk(let chunk, let signal):
            if signal { onDemand() }
            return chunk
        case .end:
            return nil
        case .failure(let error):
            throw error
        case .wait:
            if let loop, !loop.inEventLoop {
                return try await loop.perform { try await next() }
            }
            // On the loop now, with no suspension since the look above: the producer runs
            // here too, so nothing arrived in between. The demand signal goes out only once
            // the waiter is in place, because it may deliver a chunk at once.
            return try await waiter.wait {
                let signal = state.withLock { state in
                    defer { state.isDemandSignalNeeded = false }
                    return state.isDemandSignalNeeded
                }
                if signal { onDemand() }
            }
        }
    }
}
