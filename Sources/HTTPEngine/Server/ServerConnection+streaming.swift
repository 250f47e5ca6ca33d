extension ServerConnection: ResponseBodySink {
    /// Queues a body chunk; first waits while more than the high-water mark is unsent,
    /// so a writer never appends to output the socket is not taking.
    func writeBody(_ bytes: ArraySlice<UInt8>, requestNumber number: UInt64) async throws {
        try await loop.perform { try await writeBodyOnLoop(bytes, requestNumber: number) }
    }

    func writeBodyOnLoop(_ bytes: ArraySlice<UInt8>, requestNumber number: UInt64) async throws {
        _ = try streamState(requestNumber: number)
        if core.outbound.unsentCount > configuration.outputPauseThreshold {
            // Same thread and no suspension point since the check; `flush` (below the
            // low-water mark) or `close` resumes the writer on this thread too. A second
            // concurrent writer gets `.concurrentWait`, a cancelled one `CancellationError`.
            let waiter = writeWaiter ?? SingleWaiter(operation: "response body write")
            writeWaiter = waiter
            try await waiter.wait()
        }
        // `appendBody` re-checks the exchange: it may have ended while the writer waited.
        try appendBody(bytes, requestNumber: number)
        afterEvent()
    }

    /// The streamed response of exchange `number`; throws once that exchange or the connection is over.
    func streamState(requestNumber number: UInt64) throws -> (isChunked: Bool, remaining: Int?) {
        guard number == requestNumber, phase == .handling || phase == .closing,
              case .streaming(let isChunked, let remaining) = response
        else { throw HTTPEngineError.connectionClosed() }
        return (isChunked, remaining)
    }

    /// Frames and queues body bytes, then flushes.
    func appendBody(_ bytes: ArraySlice<UInt8>, requestNumber number: UInt64) throws {
        let (isChunked, remaining) = try streamState(requestNumber: number)
        if let remaining {
            guard bytes.count <= remaining else {
                close()
                throw HTTPError(.internalServerError, message: "response body longer than its Content-Length")
            }
            response = .streaming(isChunked: isChunked, remaining: remaining - bytes.count)
        }
        if core.outbound.isEmpty { lastWriteProgressAt = loop.turnNanoseconds }
        if isChunked {
            ResponseEncoder.appendChunk(bytes, to: &core.outbound)
        } else {
            core.outbound.append(contentsOf: bytes)
        }
        flush()
        guard phase != .closed else { throw HTTPEngineError.connectionClosed() }
    }

    /// Ends a streamed body: the last chunk, or a close when fewer bytes than declared were sent.
    func finishStream(requestNumber number: UInt64) {
        guard number == requestNumber, case .streaming(let isChunked, let remaining) = response else { return }
        response = .complete
        if let remaining, remaining > 0 {
            close()
            return
        }
        if isChunked { core.outbound.append(contentsOf: ResponseEncoder.lastChunk) }
        flush()
        responseFinished()
    }
}
