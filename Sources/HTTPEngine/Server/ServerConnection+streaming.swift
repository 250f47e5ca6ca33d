extension ServerConnection: ResponseBodySink {
    /// Appends a body chunk; suspends while more than the high-water mark is unsent.
    func writeBody(_ bytes: ArraySlice<UInt8>, requestNumber number: UInt64) async throws {
        try await loop.perform { try await writeBodyOnLoop(bytes, requestNumber: number) }
    }

    func writeBodyOnLoop(_ bytes: ArraySlice<UInt8>, requestNumber number: UInt64) async throws {
        let mustWait = try appendBody(bytes, requestNumber: number)
        afterEvent()
        guard mustWait else { return }
        // Same thread and no suspension point since `appendBody`, so nothing changed in between;
        // `flush` or `close` resumes the writer on this thread too.
        try await withUnsafeThrowingContinuation { writeWaiter = $0 }
    }

    /// Frames and queues body bytes, then flushes; returns whether the writer must wait for the socket.
    func appendBody(_ bytes: ArraySlice<UInt8>, requestNumber number: UInt64) throws -> Bool {
        guard number == requestNumber, phase == .handling || phase == .closing,
              case .streaming(let isChunked, let remaining) = response
        else { throw ConnectionClosedError() }
        if let remaining {
            guard bytes.count <= remaining else {
                close()
                throw HTTPError(.internalServerError, message: "response body longer than its Content-Length")
            }
            response = .streaming(isChunked: isChunked, remaining: remaining - bytes.count)
        }
        if outbound.isEmpty { lastWriteProgressAt = EventLoop.monotonicNanoseconds() }
        if isChunked {
            ResponseEncoder.appendChunk(bytes, to: &outbound.bytes)
        } else {
            outbound.bytes.append(contentsOf: bytes)
        }
        flush()
        guard phase != .closed else { throw ConnectionClosedError() }
        return outbound.unsentCount > OutboundBuffer.highWaterMark
    }

    /// Ends a streamed body: the last chunk, or a close when fewer bytes than declared were sent.
    func finishStream(requestNumber number: UInt64) {
        guard number == requestNumber, case .streaming(let isChunked, let remaining) = response else { return }
        response = .complete
        if let remaining, remaining > 0 {
            close()
            return
        }
        if isChunked { outbound.bytes.append(contentsOf: ResponseEncoder.lastChunk) }
        flush()
        responseFinished()
    }
}
