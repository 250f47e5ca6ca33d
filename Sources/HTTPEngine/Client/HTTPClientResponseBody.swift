/// A response body as an async sequence of byte chunks, read with back-pressure.
///
/// While nobody reads, the client stops reading the upstream socket once about
/// 256 KiB are buffered. Dropping the body before its end closes the upstream
/// connection (it cannot be reused with unread bytes on it). Iterate it at most once,
/// from one task at a time: a second concurrent waiter gets `HTTPEngineError` `.concurrentWait`, and
/// a cancelled reader's wait throws `CancellationError`.
public struct HTTPClientResponseBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    let channel: BodyChunkBuffer?
    let lifetime: ResponseBodyLifetime?
    /// The whole body, when it came with the head: no buffer, no connection left to hold.
    let completeBytes: [UInt8]?
    /// The upstream's `Content-Length`, 0 for responses without a body, nil otherwise.
    public let expectedLength: Int?

    init(channel: BodyChunkBuffer?, lifetime: ResponseBodyLifetime?, expectedLength: Int?) {
        self.channel = channel
        self.lifetime = lifetime
        self.expectedLength = expectedLength
        completeBytes = nil
    }

    /// A body that arrived whole with its head (non-empty).
    init(completeBytes: [UInt8]) {
        channel = nil
        lifetime = nil
        self.completeBytes = completeBytes
        expectedLength = completeBytes.count
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let channel: BodyChunkBuffer?
        // Held so the connection stays owned while an iterator outlives the body value.
        let lifetime: ResponseBodyLifetime?
        var completeBytes: [UInt8]?

        public mutating func next() async throws -> [UInt8]? {
            if let bytes = completeBytes {
                completeBytes = nil
                return bytes
            }
            return try await channel?.next()
        }
    }

    /// The whole body when it arrived with the head (or is empty), else nil: then iterate.
    package var bytesIfComplete: [UInt8]? {
        if let completeBytes { return completeBytes }
        return channel == nil && expectedLength == 0 ? [] : nil
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(channel: channel, lifetime: lifetime, completeBytes: completeBytes)
    }

    /// Reads the whole body; throws `HTTPEngineError.responseBodyTooLarge(limit: maxBytes)` past
    /// `maxBytes`, and then closes the upstream connection at once.
    ///
    /// At once, not when the last copy of the body goes: a caller that keeps the response (to
    /// log it, to answer with its head) would otherwise keep the connection, its pool slot and
    /// the upstream's unsent remainder for as long as it does.
    public func collect(upTo maxBytes: Int) async throws -> [UInt8] {
        var collected: [UInt8] = []
        if let expectedLength {
            guard expectedLength <= maxBytes else { throw tooLarge(limit: maxBytes) }
            collected.reserveCapacity(expectedLength)
        }
        for try await chunk in self {
            guard collected.count + chunk.count <= maxBytes else { throw tooLarge(limit: maxBytes) }
            collected.append(contentsOf: chunk)
        }
        return collected
    }

    /// Gives up the rest of the body (the connection closes) and returns the error saying why.
    private func tooLarge(limit: Int) -> HTTPEngineError {
        lifetime?.abandon()
        return .responseBodyTooLarge(limit: limit)
    }
}

/// Tells the connection when a response body is given up (its last copy gone, or `collect`
/// past its limit), so an unread remainder closes the connection instead of holding it forever.
///
/// Holds the connection itself rather than a closure, which cost an allocation per response.
final class ResponseBodyLifetime: Sendable {
    let connection: ClientConnection
    let exchange: UInt64

    init(connection: ClientConnection, exchange: UInt64) {
        self.connection = connection
        self.exchange = exchange
    }

    deinit {
        abandon()
    }

    /// Closes the connection if the body is not read to its end yet; harmless when it was, and
    /// when called again (the connection checks which exchange it is on).
    func abandon() {
        let loop = connection.loop
        if loop.inEventLoop {
            connection.bodyReleased(exchange: exchange)
        } else {
            // A task rather than `loop.execute`: the runtime's job hand-off is visible
            // to ThreadSanitizer, a closure queued under the loop's Mutex may not be.
            // After the loop exited the job runs elsewhere; the loop closed the connection then.
            Task(executorPreference: loop) { [connection, exchange] in
                guard loop.inEventLoop else { return }
                connection.bodyReleased(exchange: exchange)
            }
        }
    }
}
