extension ClientConnection {
    /// Begins an exchange: encodes the head into the output queue (with an in-memory body) and sends what the socket takes.
    func startExchange(request: HTTPClientRequest, framing: HTTPBodyFraming, deadline: UInt64) -> UInt64 {
        loop.assertInEventLoop()
        exchangeNumber &+= 1
        exchangeDeadline = deadline
        earlyOutcome = nil
        bodyChannel = nil
        requestFraming = framing
        if case .length(let length) = framing { remainingRequestBytes = length } else { remainingRequestBytes = nil }
        isRequestSent = false
        isRequestKeepAlive = !request.headers.containsToken("close", inField: "connection")
        isOutputBroken = false
        hasReceivedResponseBytes = false
        hasResponseHead = false
        isSkippingInterimResponse = false
        isResponseKeepAlive = false
        isResponseComplete = false
        isBodyPaused = false
        failedAsStale = false
        parser.isResponseToHeadRequest = request.method == .head
        lastActivityAt = loop.turnNanoseconds
        core.outbound.append { RequestEncoder.appendHead(of: request, framing: framing, to: &$0) }
        if case .bytes(let bytes) = request.body.content {
            appendOutbound(bytes[...])
            remainingRequestBytes = 0
            isRequestSent = true
            core.scheduleFlush(on: loop, for: self)
        } else {
            // A streamed body's writer reads the queue right after each send; its head goes now.
            flush()
        }
        afterEvent()
        return exchangeNumber
    }

    /// Sends one chunk of a streamed request body; suspends while the socket is backed up.
    /// Throws once the exchange is over or the connection is gone (the caller just stops).
    func writeBodyChunk(_ chunk: [UInt8], exchange number: UInt64) async throws {
        loop.assertInEventLoop()
        guard number == exchangeNumber, state == .active, !isOutputBroken, !isResponseComplete else {
            throw closedEarly
        }
        if let remaining = remainingRequestBytes {
            guard chunk.count <= remaining else {
                fail(HTTPEngineError.invalidRequest("request body longer than its declared length"))
                throw HTTPEngineError.invalidRequest("request body longer than its declared length")
            }
            remainingRequestBytes = remaining - chunk.count
        }
        if requestFraming == .chunked {
            if core.outbound.isEmpty { lastActivityAt = loop.turnNanoseconds }
            ResponseEncoder.appendChunk(chunk[...], to: &core.outbound)
        } else {
            appendOutbound(chunk[...])
        }
        flush()
        if state == .active, core.outbound.unsentCount >= OutboundBuffer.highWaterMark {
            afterEvent()
            // Same thread and no suspension since the check; `flush` or `close` resumes the writer
            // here too. Cancelling the body's task (the exchange was abandoned) ends the wait at once.
            let waiter = writeWaiter ?? SingleWaiter(operation: "request body write")
            writeWaiter = waiter
            try await waiter.wait()
        }
        // Re-checked after the wait: the exchange may have ended or failed meanwhile.
        guard number == exchangeNumber, state == .active else { throw closedEarly }
        afterEvent()
    }

    /// Ends a streamed request body (last chunk, or a check of the declared length).
    func finishRequestBody(exchange number: UInt64) {
        loop.assertInEventLoop()
        guard number == exchangeNumber, state == .active, !isRequestSent else { return }
        if let remaining = remainingRequestBytes, remaining != 0 {
            fail(HTTPEngineError.invalidRequest("request body shorter than its declared length"))
            return
        }
        if requestFraming == .chunked { appendOutbound(ResponseEncoder.lastChunk[...]) }
        isRequestSent = true
        lastActivityAt = loop.turnNanoseconds
        flush()
        finishExchangeIfDone()
        afterEvent()
    }

    /// The request body's source failed: the upstream got a partial request, so the connection goes.
    func failRequestBody(_ error: any Error, exchange number: UInt64) {
        loop.assertInEventLoop()
        guard number == exchangeNumber, state == .active, !isRequestSent else { return }
        fail(HTTPEngineError.requestBodyFailed(error))
    }

    func appendOutbound(_ bytes: ArraySlice<UInt8>) {
        if core.outbound.isEmpty { lastActivityAt = loop.turnNanoseconds }
        core.outbound.append(contentsOf: bytes)
    }

    /// Sends as much queued output as the socket takes and wakes a waiting body writer
    /// below the low-water mark.
    func flush() {
        guard state == .active, !isOutputBroken else { return }
        do {
            try core.flush { lastActivityAt = loop.turnNanoseconds }
        } catch {
            outputFailed()
            return
        }
        if core.outbound.unsentCount < OutboundBuffer.lowWaterMark {
            writeWaiter?.resume(returning: ())
        }
    }

    /// The upstream stopped taking the request (EPIPE, reset). It may still have
    /// answered (an early 413, say), so read before deciding the exchange failed.
    func outputFailed() {
        isOutputBroken = true
        core.outbound.removeAll()
        writeWaiter?.resume(throwing: closedEarly)
        readInput()
        guard state == .active, !hasResponseHead else { return }
        // Nothing of a response arrived, and none can follow a request we could not finish.
        fail(noResponseOrTruncated())
    }

    /// The most input held unparsed: a head at its largest and one read (see `ConnectionCore.read(room:)`).
    var readAheadLimit: Int { configuration.parserLimits.maxHeaderBytes + Self.readChunkSize }

    /// Wants writability while output is queued (or a connect is pending), readability while input is useful.
    func updateInterest() {
        var wanted: EventInterest = []
        switch state {
        case .connecting:
            wanted = .writable
        case .idle:
            wanted = .readable
        case .active:
            if core.isWaitingToWrite { wanted.insert(.writable) }
            if !hasPeerClosedInput, !isBodyPaused, core.inbound.readableCount < readAheadLimit { wanted.insert(.readable) }
        case .closed:
            return
        }
        do {
            try core.setInterest(wanted, on: loop)
        } catch {
            fail(closedEarly)
        }
    }
}

extension ClientConnection: EndOfTurnFlushing {
    /// Sends the requests queued this turn with their whole body (`startExchange`).
    func flushScheduledOutput() {
        core.scheduledFlushBegins()
        flush()
        afterEvent()
    }

    func pendingBatchedSend() -> (descriptor: Int32, bytes: UnsafeRawBufferPointer)? {
        guard state == .active, !isOutputBroken, core.isRegistered, let bytes = core.outbound.unsentBytesInOneChunk() else { return nil }
        return (core.descriptor, bytes)
    }

    func batchedSendTook(_ count: Int) {
        core.outbound.recordSent(count)
        lastActivityAt = loop.turnNanoseconds
    }
}
