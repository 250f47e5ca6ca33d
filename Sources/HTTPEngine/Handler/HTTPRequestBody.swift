/// A request body as an async sequence of byte chunks.
///
/// Reading is what pulls data from the socket: while the handler does not read,
/// the connection stops reading once a bounded amount is buffered. Iterate it at
/// most once, from one task at a time: a second task that waits while another waits
/// gets `HTTPEngineError` `.concurrentWait`. A cancelled reader's wait throws `CancellationError`.
public struct HTTPRequestBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    let channel: BodyChunkBuffer?
    /// The whole body, when it was complete before the handler got it: no buffer, no loop.
    let completeBytes: [UInt8]?
    /// The declared `Content-Length`, or nil for chunked or absent bodies.
    public let expectedLength: Int?

    init(channel: BodyChunkBuffer?, expectedLength: Int?) {
        self.channel = channel
        self.expectedLength = expectedLength
        completeBytes = nil
    }

    /// A body that is already complete, e.g. for tests or to replay a collected body.
    public init(bytes: [UInt8]) {
        channel = nil
        completeBytes = bytes.isEmpty ? nil : bytes
        expectedLength = bytes.count
    }

    /// A body with no bytes.
    public static let empty = HTTPRequestBody(channel: nil, expectedLength: 0)

    public struct AsyncIterator: AsyncIteratorProtocol {
        let channel: BodyChunkBuffer?
        var completeBytes: [UInt8]?

        public mutating func next() async throws -> [UInt8]? {
            if let bytes = completeBytes {
                completeBytes = nil
                return bytes
            }
            return try await channel?.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(channel: channel, completeBytes: completeBytes)
    }

    /// Reads the whole body into memory; throws `HTTPError(.contentTooLarge)` past `maxBytes`.
    public func collect(upTo maxBytes: Int) async throws -> [UInt8] {
        var collected: [UInt8] = []
        if let expectedLength {
            guard expectedLength <= maxBytes else { throw HTTPError(.contentTooLarge) }
            collected.reserveCapacity(expectedLength)
        }
        for try await chunk in self {
            guard collected.count + chunk.count <= maxBytes else { throw HTTPError(.contentTooLarge) }
            collected.append(contentsOf: chunk)
        }
        return collected
    }
}
