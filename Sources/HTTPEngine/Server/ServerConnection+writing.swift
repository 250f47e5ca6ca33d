import Glibc

extension ServerConnection {
    func appendOutbound(_ bytes: ArraySlice<UInt8>) {
        if outbound.isEmpty { lastWriteProgressAt = EventLoop.monotonicNanoseconds() }
        outbound.bytes.append(contentsOf: bytes)
    }

    /// Sends as much queued output as the socket takes; wakes a waiting body writer
    /// below the low-water mark and starts the lingering close once a final response is out.
    func flush() {
        guard phase != .closed else { return }
        do {
            try outbound.flush(to: descriptor) { lastWriteProgressAt = EventLoop.monotonicNanoseconds() }
        } catch {
            close()
            return
        }
        if let waiter = writeWaiter, outbound.unsentCount < OutboundBuffer.lowWaterMark {
            writeWaiter = nil
            waiter.resume()
        }
        if closeAfterFlush, outbound.isEmpty {
            startLingering()
        }
    }

    /// Half-closes and discards input for a moment, so unread request bytes do not
    /// make the kernel reset the connection before the client reads our response.
    func startLingering() {
        guard phase != .lingering, phase != .closed else { return }
        closeAfterFlush = false
        if hasPeerClosedInput {
            close()
            return
        }
        shutdown(descriptor, Int32(SHUT_WR))
        phase = .lingering
        receivedBodyBytes = 0
        lingerDeadline = EventLoop.monotonicNanoseconds() &+ Self.lingerTime.nanoseconds
    }

    /// Wants writability while output is queued, readability while input is useful.
    func updateInterest() {
        var wanted: EventInterest = []
        if !outbound.isEmpty { wanted.insert(.writable) }
        switch phase {
        case .lingering:
            wanted.insert(.readable)
        case .idle, .readingHead, .handling:
            let bufferLimit = configuration.parserLimits.maxHeaderBytes + Self.readChunkSize
            if !hasPeerClosedInput, !isBodyPaused, inbound.readableCount < bufferLimit { wanted.insert(.readable) }
        case .closing, .closed:
            break
        }
        guard wanted != interest else { return }
        do {
            try loop.setInterest(wanted, fileDescriptor: descriptor)
            interest = wanted
        } catch {
            close()
        }
    }
}
