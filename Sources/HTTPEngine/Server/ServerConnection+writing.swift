import Glibc

extension ServerConnection {
    func appendOutbound(_ bytes: ArraySlice<UInt8>) {
        if core.outbound.isEmpty { lastWriteProgressAt = loop.turnNanoseconds }
        core.outbound.append(contentsOf: bytes)
    }

    /// Sends as much queued output as the socket takes; below the low-water mark wakes a
    /// waiting body writer and resumes paused input; starts the lingering close once a final response is out.
    func flush() {
        guard phase != .closed else { return }
        do {
            try core.flush { lastWriteProgressAt = loop.turnNanoseconds }
        } catch {
            close()
            return
        }
        if core.outbound.unsentCount <= configuration.outputResumeThreshold {
            writeWaiter?.resume(returning: ())
            if isInputPausedForOutput { resumeInputAfterOutputDrained() }
        }
        if closeAfterFlush, core.outbound.isEmpty {
            startLingering()
        }
    }

    /// Parses the requests that waited while output was above the high-water mark
    /// (`updateInterest` then reads again).
    func resumeInputAfterOutputDrained() {
        isInputPausedForOutput = false
        // The client just read our output, so the idle time starts now, not when the last response was queued.
        if phase == .idle { phaseStartedAt = loop.turnNanoseconds }
        processInbound()
        if hasPeerClosedInput { handlePeerClosedInput() }
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
        shutdown(core.descriptor, Int32(SHUT_WR))
        phase = .lingering
        receivedBodyBytes = 0
        lingerDeadline = loop.turnNanoseconds &+ Self.lingerTime.nanoseconds
    }

    /// The most input held unparsed: a head at its largest and one read (see `ConnectionCore.read(room:)`).
    var readAheadLimit: Int { configuration.parserLimits.maxHeaderBytes + Self.readChunkSize }

    /// Wants writability while output is queued, readability while input is useful.
    func updateInterest() {
        var wanted: EventInterest = []
        if core.isWaitingToWrite { wanted.insert(.writable) }
        switch phase {
        case .lingering:
            wanted.insert(.readable)
        case .idle, .readingHead, .handling:
            if !hasPeerClosedInput, !isBodyPaused, !isInputPausedForOutput, core.inbound.readableCount < readAheadLimit {
                wanted.insert(.readable)
            }
        case .closing, .closed:
            break
        }
        do {
            try core.setInterest(wanted, on: loop)
        } catch {
            close()
        }
    }
}

extension ServerConnection: EndOfTurnFlushing {
    /// Sends the complete responses queued this turn (`sendComplete`), then does what a
    /// writability event would: a lingering close, paused input resumed, interest and deadline.
    func flushScheduledOutput() {
        core.scheduledFlushBegins()
        flush()
        afterEvent()
    }

    func pendingBatchedSend() -> (descriptor: Int32, bytes: UnsafeRawBufferPointer)? {
        guard phase != .closed, core.isRegistered, let bytes = core.outbound.unsentBytesInOneChunk() else { return nil }
        return (core.descriptor, bytes)
    }

    func batchedSendTook(_ count: Int) {
        core.outbound.recordSent(count)
        lastWriteProgressAt = loop.turnNanoseconds
    }
}
