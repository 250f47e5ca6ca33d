extension ServerConnection: BodyChunkProducer {
    /// Parses buffered input: heads start exchanges, body bytes go to the handler.
    /// Stops while a parsed request is being answered, so pipelined requests wait their turn.
    func processInbound() {
        guard !isProcessingInbound else { return }
        isProcessingInbound = true
        defer { isProcessingInbound = false }
        while phase == .idle || phase == .readingHead || phase == .handling {
            if phase == .handling && (isRequestBodyComplete || isBodyPaused) { break }
            // A pipelining client that does not read would otherwise have every buffered request
            // answered into memory; the next one waits until `flush` drains the output.
            if phase == .idle, core.outbound.unsentCount > configuration.outputPauseThreshold {
                isInputPausedForOutput = true
                return
            }
            let parsed: HTTPParser.Event?
            let consumed: Int
            do {
                (parsed, consumed) = try parser.parse(core.inbound.readableBytes)
            } catch {
                handleParseError(error)
                return
            }
            // Consumed, so a head moves into the request without a retain of each of its buffers.
            guard let event = consume parsed else {
                core.inbound.consume(consumed)
                // Chunk framing costs the peer nothing to send and us the same to read as body
                // bytes do, so it counts against the body and drain limits too.
                if phase == .handling, consumed > 0, countBodyBytes(consumed) { return }
                if consumed == 0 {
                    if phase == .idle, core.inbound.readableCount > 0 {
                        phase = .readingHead
                        phaseStartedAt = loop.turnNanoseconds
                    }
                    return
                }
                continue
            }
            switch consume event {
            case .requestHead(let head):
                core.inbound.consume(consumed)
                startExchange(head)
            case .body(let range):
                deliverBody(UnsafeRawBufferPointer(rebasing: core.inbound.readableBytes[range]))
                core.inbound.consume(consumed)
            case .messageEnd:
                core.inbound.consume(consumed)
                requestBodyEnded()
            case .responseHead:
                // A request-mode parser never produces response heads.
                close()
            }
        }
    }

    /// Validates limits the parser does not know about, then starts the handler.
    func startExchange(_ head: consuming HTTPRequestHead) {
        requestNumber &+= 1
        phase = .handling
        isFirstRequest = false
        isKeepAlive = head.isKeepAlive && !context.isShuttingDown
        isHeadRequest = head.method == .head
        requestVersion = head.version
        isRequestBodyComplete = false
        isBodyPaused = false
        receivedBodyBytes = 0
        isDraining = false
        response = .notStarted
        declaredBodyLength = nil
        var hasBody = false
        switch head.bodyFraming {
        case .length(let length):
            declaredBodyLength = length
            hasBody = length > 0
        case .chunked:
            hasBody = true
        case .none, .untilClose:
            break
        }
        if let length = declaredBodyLength, length > configuration.maxRequestBodySize {
            sendErrorAndClose(.contentTooLarge)
            return
        }
        if head.version == .http1_1, head.headers.contains(name: "expect"), !head.isExpectingContinue {
            sendErrorAndClose(.expectationFailed)
            return
        }
        isContinuePending = hasBody && head.isExpectingContinue
        let number = requestNumber
        if hasBody {
            // Now, not the head's read time: a pipelined head may have waited behind others.
            bodyClockStartedAt = loop.turnNanoseconds
            bodyClockPausedAt = 0
            bodyChannel = BodyChunkBuffer(loop: loop, producer: self, exchange: number, operation: "request body read", waitsForFirstRead: true)
        } else {
            bodyChannel = nil
        }
        // Made in the call: a request set up in a variable first was copied into the handler's.
        startHandler(HTTPRequest(
            head: head,
            body: HTTPRequestBody(channel: bodyChannel, expectedLength: hasBody ? declaredBodyLength : 0),
            origin: origin
        ), requestNumber: number)
    }

    func deliverBody(_ bytes: UnsafeRawBufferPointer) {
        if countBodyBytes(bytes.count) { return }
        // The client sent the body without waiting for 100 Continue, which it may do.
        isContinuePending = false
        if isDraining { return }
        if let bodyChannel, bodyChannel.yield([UInt8](bytes)) {
            isBodyPaused = true
        }
    }

    /// Adds `count` wire bytes of body (data or framing) against the body and drain limits;
    /// true when that ended the exchange (413 sent, or the connection closed while draining).
    func countBodyBytes(_ count: Int) -> Bool {
        receivedBodyBytes += count
        if receivedBodyBytes > configuration.maxRequestBodySize {
            bodyChannel?.fail(HTTPError(.contentTooLarge))
            sendErrorAndClose(.contentTooLarge)
            return true
        }
        if isDraining, receivedBodyBytes > configuration.maxDrainSize {
            close()
            return true
        }
        return false
    }

    func requestBodyEnded() {
        isRequestBodyComplete = true
        bodyChannel?.finish()
        if isDraining {
            isDraining = false
            completeExchange()
        }
    }

    /// A bad head gets its status and a close; a bad body also fails the handler's read.
    func handleParseError(_ error: HTTPParseError) {
        bodyChannel?.fail(HTTPError(error.status))
        sendErrorAndClose(error.status)
    }

    /// End of input: close between requests; drop a truncated request; while a complete one
    /// is handled, answer every request already buffered, or cancel the handler when none is.
    func handlePeerClosedInput() {
        switch phase {
        case .idle where isInputPausedForOutput:
            // Requests still buffered get answered first; `resumeInputAfterOutputDrained` comes back here.
            break
        case .idle, .readingHead:
            if core.outbound.isEmpty { close() } else { closeAfterFlush = true }
        case .handling:
            if isRequestBodyComplete {
                guard core.inbound.readableCount == 0 else {
                    // Pipelined requests are buffered: the client half-closed after sending
                    // them and waits for every answer. Keep-alive stays on, so they are parsed
                    // after this one; the last gets `Connection: close`, then the connection closes.
                    break
                }
                // A client that closed and one that half-closed after its last request look
                // the same here; like nginx (499) and Go (request context cancelled) we take
                // it as gone and stop the handler's work. A response it still returns is sent.
                isKeepAlive = false
                cancelHandler()
            } else {
                bodyChannel?.fail(HTTPError(.badRequest, message: "request body truncated"))
                close()
            }
        case .lingering:
            close()
        case .closing, .closed:
            break
        }
    }

    /// The handler wants body bytes: send 100 Continue if owed and resume reading.
    func bodyDemanded(exchange number: UInt64) {
        loop.assertInEventLoop()
        guard number == requestNumber, phase == .handling else { return }
        if isContinuePending, case .notStarted = response {
            isContinuePending = false
            appendOutbound(ResponseEncoder.continueResponse[...])
            flush()
        }
        if isBodyPaused {
            isBodyPaused = false
            processInbound()
        }
        afterEvent()
    }

    /// Reads and drops input after our final response, until EOF, a limit or the linger deadline.
    func discardLingeringInput() {
        let count: Int?
        do {
            count = try core.discardInput()
        } catch {
            close()
            return
        }
        guard let count else { return }
        receivedBodyBytes += count
        if count == 0 || receivedBodyBytes > configuration.maxDrainSize + Self.readChunkSize { close() }
    }
}
