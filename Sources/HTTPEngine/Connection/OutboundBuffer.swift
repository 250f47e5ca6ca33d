/// Bytes queued for a socket, sent from the front as fast as the socket takes them.
struct OutboundBuffer {
    /// Unsent bytes above which a body writer waits.
    static let highWaterMark = 256 * 1024
    /// Unsent bytes below which a waiting body writer resumes.
    static let lowWaterMark = 64 * 1024

    /// The queued bytes; encoders append to it directly, only `flush` and `removeAll` take bytes away.
    var bytes: [UInt8] = []
    /// The index of the first unsent byte.
    private(set) var start = 0

    /// Whether every queued byte has been sent.
    var isEmpty: Bool { start == bytes.count }

    /// The number of bytes queued but not sent yet.
    var unsentCount: Int { bytes.count - start }

    /// Sends as much as the socket takes, calling `didSend` after each successful send;
    /// throws the socket's error, leaving the unsent bytes queued.
    @inline(__always)
    mutating func flush(to descriptor: Int32, didSend: () -> Void) throws {
        while start < bytes.count {
            let offset = start
            let sent = try bytes.withUnsafeBytes { bytes in
                try Socket.send(descriptor, UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            }
            guard let sent else { break }
            start += sent
            didSend()
        }
        if start == bytes.count {
            // Keep a modest buffer for the next message; drop a large one so idle connections stay small.
            bytes.removeAll(keepingCapacity: bytes.capacity <= 64 * 1024)
            start = 0
        }
    }

    /// Drops everything queued, sent or not.
    mutating func removeAll() {
        bytes.removeAll()
        start = 0
    }
}
