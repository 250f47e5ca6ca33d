/// Where a streamed response body goes; implemented by the server connection.
protocol ResponseBodySink: Sendable {
    func writeBody(_ bytes: ArraySlice<UInt8>, requestNumber: UInt64) async throws
}

/// Writes a streamed response body; `write` suspends while the socket is backed up.
public struct ResponseBodyWriter: Sendable {
    let sink: any ResponseBodySink
    let requestNumber: UInt64

    /// Sends `bytes` (framed as a chunk when the response is chunked); throws once the connection is gone.
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

/// Thrown by body reads and writes once the connection is closed or the exchange is over.
public struct ConnectionClosedError: Error, Sendable {}
