/// Where a streamed response body goes; implemented by the server connection.
protocol ResponseBodySink: Sendable {
    func writeBody(_ bytes: ArraySlice<UInt8>, requestNumber: UInt64) async throws
}

/// Writes a streamed response body; `write` suspends while the socket is backed up.
///
/// One writer at a time: a `write` that would wait while another task's `write` waits
/// throws `HTTPEngineError` `.concurrentWait`; a cancelled writer's wait throws `CancellationError`
/// (the bytes of that call are not sent).
public struct ResponseBodyWriter: Sendable {
    let sink: any ResponseBodySink
    let requestNumber: UInt64

    /// Sends `bytes` (framed as a chunk when the response is chunked); throws `HTTPEngineError`
    /// `.connectionClosed` once the connection is gone or the exchange is over.
    public func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        try await sink.writeBody(bytes[...], requestNumber: requestNumber)
    }

    public func write(_ bytes: ArraySlice<UInt8>) async throws {
        guard !bytes.isEmpty else { return }
        try await sink.writeBody(bytes, requestNumber: requestNumber)
    }

    public func write(_ text: String) async throws {
        try await write(Array(text.utf8))
    }
}
