extension ServerConnection {
    /// Writes `response` for exchange `number`; ignored when the exchange is already over.
    func send(_ response: HTTPResponse, requestNumber number: UInt64) async {
        switch response.body.content {
        case .bytes(let bytes):
            // The usual case: the handler finished on this loop, so answer without forming a closure.
            if loop.inEventLoop {
                sendComplete(status: response.status, headers: response.headers, body: bytes, requestNumber: number)
                afterEvent()
                return
            }
            _ = try? await loop.perform {
                sendComplete(status: response.status, headers: response.headers, body: bytes, requestNumber: number)
                afterEvent()
            }
        case .stream(let length, let produce):
            let isProducing = try? await loop.perform {
                defer { afterEvent() }
                return startStream(status: response.status, headers: response.headers, length: length, requestNumber: number)
            }
            guard isProducing == true else { return }
            do {
                try await produce(ResponseBodyWriter(sink: self, requestNumber: number))
                _ = try? await loop.perform {
                    finishStream(requestNumber: number)
                    afterEvent()
                }
            } catch {
                // The status line is already out, so the only honest signal left is closing.
                _ = try? await loop.perform {
                    if number == requestNumber { close() }
                }
            }
        }
    }

    /// Whether exchange `number` may still start its response. Re-checked after every
    /// handler `await`: meanwhile the exchange may have ended (error answer, close, time-out).
    func canRespond(_ number: UInt64) -> Bool {
        guard number == requestNumber, phase == .handling, case .notStarted = response else { return false }
        return true
    }

    /// Decides keep-alive for the response being started: close when the peer
    /// still owes a body we will not wait for.
    func prepareConnectionHeader() -> ResponseEncoder.ConnectionHeader {
        if context.isShuttingDown { isKeepAlive = false }
        // The client ended its input and no pipelined request waits: this is the last response.
        if hasPeerClosedInput, core.inbound.readableCount == 0 { isKeepAlive = false }
        if !isRequestBodyComplete {
            if isContinuePending { isKeepAlive = false }
            if let declaredBodyLength, declaredBodyLength - receivedBodyBytes > configuration.maxDrainSize { isKeepAlive = false }
        }
        if !isKeepAlive { return .close }
        return isHTTP10 ? .keepAlive : .omitted
    }

    var isHTTP10: Bool { requestVersion == .http1_0 }

    func sendComplete(status: HTTPStatus, headers: HTTPHeaders, body: [UInt8], requestNumber number: UInt64) {
        guard canRespond(number) else { return }
        let connection = prepareConnectionHeader()
        let framing: HTTPBodyFraming = status.isBodyForbidden ? .none : .length(body.count)
        if core.outbound.isEmpty { lastWriteProgressAt = loop.turnNanoseconds }
        let hasBody = !isHeadRequest && !status.isBodyForbidden
        // A small body joins its head in one chunk (one send); a large one is split like a streamed body.
        let isBodyInHeadChunk = hasBody && body.count <= OutboundBuffer.chunkCapacity
        core.outbound.append { output in
            ResponseEncoder.appendHead(status: status, headers: headers, framing: framing, connection: connection, date: context.dateCache, to: &output)
            if isBodyInHeadChunk { output.append(contentsOf: body) }
        }
        if hasBody, !isBodyInHeadChunk { core.outbound.append(contentsOf: body) }
        response = .complete
        core.scheduleFlush(on: loop, for: self)
        responseFinished()
    }

    /// Writes the head of a streamed response; returns whether the body producer should run.
    func startStream(status: HTTPStatus, headers: HTTPHeaders, length: Int?, requestNumber number: UInt64) -> Bool {
        guard canRespond(number) else { return false }
        var framing: HTTPBodyFraming = status.isBodyForbidden ? .none : length.map { .length($0) } ?? .chunked
        // HTTP/1.0 clients cannot decode chunked; delimit by closing instead.
        if framing == .chunked, isHTTP10 {
            framing = .untilClose
            isKeepAlive = false
        }
        let connection = prepareConnectionHeader()
        if core.outbound.isEmpty { lastWriteProgressAt = loop.turnNanoseconds }
        core.outbound.append { ResponseEncoder.appendHead(status: status, headers: headers, framing: framing, connection: connection, date: context.dateCache, to: &$0) }
        guard !isHeadRequest, framing != .none, framing != .length(0) else {
            response = .complete
            flush()
            responseFinished()
            return false
        }
        response = .streaming(isChunked: framing == .chunked, remaining: length)
        flush()
        return true
    }

    /// Answers with `status` and closes, unless a response is already under way (then just closes).
    func sendErrorAndClose(_ status: HTTPStatus) {
        switch phase {
        case .idle, .readingHead:
            break
        case .handling:
            guard case .notStarted = response else {
                close()
                return
            }
        case .closing, .lingering, .closed:
            return
        }
        response = .complete
        isKeepAlive = false
        // The handler's own response will be dropped, so its work is wasted from here on.
        cancelHandler()
        bodyChannel?.fail(HTTPError(status))
        if core.outbound.isEmpty { lastWriteProgressAt = loop.turnNanoseconds }
        let text = Array(status.description.utf8)
        core.outbound.append { output in
            ResponseEncoder.appendHead(
                status: status,
                headers: HTTPHeaders([("Content-Type", "text/plain")]),
                framing: .length(text.count),
                connection: .close,
                date: context.dateCache,
                to: &output
            )
            output.append(contentsOf: text)
        }
        phase = .closing
        closeAfterFlush = true
        flush()
    }

    /// After the last response byte is queued: close, drain the unread body, or move to the next request.
    func responseFinished() {
        guard phase == .handling else { return }
        if !isKeepAlive {
            bodyChannel?.fail(HTTPEngineError.connectionClosed())
            phase = .closing
            closeAfterFlush = true
            flush()
            return
        }
        if !isRequestBodyComplete {
            // The handler is done with the body; read and drop the rest to keep the connection.
            bodyChannel?.fail(HTTPEngineError.connectionClosed())
            isDraining = true
            isBodyPaused = false
            // Answered on the spot (a request without a body), inside the parse loop: that loop
            // parses the message's end next and goes on from there.
            guard !isProcessingInbound else { return }
            processInbound()
            if hasPeerClosedInput { handlePeerClosedInput() }
            return
        }
        completeExchange()
    }

    /// Both directions of the exchange are done; parse the next (maybe pipelined) request.
    func completeExchange() {
        bodyChannel = nil
        if context.isShuttingDown, core.inbound.readableCount == 0 {
            // Shutdown began after this response was encoded as keep-alive: close once it is
            // out. (Pipelined bytes already here are parsed below and answered with close.)
            startClosingAfterFlush()
            return
        }
        phase = .idle
        phaseStartedAt = loop.turnNanoseconds
        core.settleBetweenMessages()
        // Called from inside the parse loop (an answer made on the spot, a drained body's end):
        // that loop goes on with the next request, and its caller handles the end of input
        // once every buffered request is answered, not before.
        guard !isProcessingInbound else { return }
        processInbound()
        if hasPeerClosedInput { handlePeerClosedInput() }
    }
}
