import Glibc

extension ServerConnection {
    func appendOutbound(_ bytes: ArraySlice<UInt8>) {
        if outboundStart == outbound.count { lastWriteProgressAt = EventLoop.monotonicNanoseconds() }
        outbound.append(contentsOf: bytes)
    }

    /// Sends as much queued output as the socket takes; wakes a waiting body writer
    /// below the low-water mark and starts the lingering close once a final response is out.
    func flush() {
        guard phase != .closed else { return }
        while outboundStart < outbound.count {
            let sent: Int?
            do {
                sent = try outbound.withUnsafeBytes { bytes in
                    try Socket.send(descriptor, UnsafeRawBufferPointer(rebasing: bytes[outboundStart...]))
                }
            } catch {
                close()
                return
            }
            guard let sent else { break }
            outboundStart += sent
            lastWriteProgressAt = EventLoop.monotonicNanoseconds()
        }
        if outboundStart == outbound.count {
            // Keep a modest buffer for the next response; drop a large one so idle connections stay small.
            outbound.removeAll(keepingCapacity: outbound.capacity <= 64 * 1024)
            outboundStart = 0
        }
        if let waiter = writeWaiter, outbound.count - outboundStart < Self.outboundLowWaterMark {
            writeWaiter = nil
            waiter.resume()
        }
        if closeAfterFlush, outboundStart == outbound.count {
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
        if outboundStart < outbound.count { wanted.insert(.writable) }
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
