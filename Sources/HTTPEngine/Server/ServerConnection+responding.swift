extension ServerConnection: ResponseBodySink {
    /// Hands a parsed request to the connection's handler task, starting it on first use.
    ///
    /// One long-lived task per connection, which prefers this loop, runs the handler for
    /// each request in turn: a request that needs no other I/O is handled and answered on
    /// the connection's own thread, and no task is created per request (creating one cost
    /// about four heap allocations, measured with Benchmarks/HTTPServer/malloc-counter.c).
    func startHandler(_ request: HTTPRequest, requestNumber number: UInt64) {
        if let waiter = requestWaiter {
            requestWaiter = nil
            waiter.resume(returning: (request, number))
            return
        }
        pendingRequest = (request, number)
        guard !isHandlerTaskRunning else { return }
        isHandlerTaskRunning = true
        let handler = context.handler
        Task(executorPreference: loop) { [self] in
            while let (request, number) = await nextRequest() {
                let response: HTTPResponse
                do {
                    response = try await handler.handle(request)
                } catch let error as HTTPError {
                    response = .text(error.status, error.message)
                } catch {
                    response = .text(.internalServerError, "")
                }
                await send(response, requestNumber: number)
            }
        }
    }

    /// The next request for the handler task; nil once the connection is closed.
    func nextRequest() async -> (HTTPRequest, UInt64)? {
        if loop.inEventLoop {
            if let pending = pendingRequest {
                pendingRequest = nil
                return pending
            }
            if phase == .closed { return nil }
        }
        return await withUnsafeContinuation { continuation in
            if loop.inEventLoop {
                takeRequest(continuation)
            } else {
                loop.execute { [self] in takeRequest(continuation) }
            }
        }
    }

    func takeRequest(_ continuation: UnsafeContinuation<(HTTPRequest, UInt64)?, Never>) {
        if let pending = pendingRequest {
            pendingRequest = nil
            continuation.resume(returning: pending)
        } else if phase == .closed {
            continuation.resume(returning: nil)
        } else {
            requestWaiter = continuation
        }
    }

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
            await onLoop { [self] in
                sendComplete(status: response.status, headers: response.headers, body: bytes, requestNumber: number)
                afterEvent()
            }
        case .stream(let length, let produce):
            let isProducing = await onLoop { [self] in
                defer { afterEvent() }
                return startStream(status: response.status, headers: response.headers, length: length, requestNumber: number)
            }
            guard isProducing else { return }
            do {
                try await produce(ResponseBodyWriter(sink: self, requestNumber: number))
                await onLoop { [self] in
                    finishStream(requestNumber: number)
                    afterEvent()
                }
            } catch {
                // The status line is already out, so the only honest signal left is closing.
                await onLoop { [self] in
                    if number == requestNumber { close() }
                }
            }
        }
    }

    /// Whether exchange `number` may still start its response.
    func canRespond(_ number: UInt64) -> Bool {
        guard number == requestNumber, phase == .handling, case .notStarted = response else { return false }
        return true
    }

    /// Decides keep-alive for the response being started: close when the peer
    /// still owes a body we will not wait for.
    func prepareConnectionHeader() -> ResponseEncoder.ConnectionHeader {
        if context.isShuttingDown { isKeepAlive = false }
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
        if outboundStart == outbound.count { lastWriteProgressAt = EventLoop.monotonicNanoseconds() }
        ResponseEncoder.appendHead(status: status, headers: headers, framing: framing, connection: connection, to: &outbound)
        if !isHeadRequest, !status.isBodyForbidden { outbound.append(contentsOf: body) }
        response = .complete
        flush()
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
        if outboundStart == outbound.count { lastWriteProgressAt = EventLoop.monotonicNanoseconds() }
        ResponseEncoder.appendHead(status: status, headers: headers, framing: framing, connection: connection, to: &outbound)
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

    /// Appends a body chunk; suspends while more than the high-water mark is unsent.
    func writeBody(_ bytes: ArraySlice<UInt8>, requestNumber number: UInt64) async throws {
        if loop.inEventLoop {
            let mustWait = try appendBody(bytes, requestNumber: number)
            afterEvent()
            guard mustWait else { return }
            // Same thread and no suspension point since `appendBody`, so nothing changed in between.
            try await withUnsafeThrowingContinuation { writeWaiter = $0 }
            return
        }
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            loop.execute { [self] in
                do {
                    if try appendBody(bytes, requestNumber: number) { writeWaiter = continuation } else { continuation.resume() }
                } catch {
                    continuation.resume(throwing: error)
                }
                afterEvent()
            }
        }
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
        if outboundStart == outbound.count { lastWriteProgressAt = EventLoop.monotonicNanoseconds() }
        if isChunked {
            ResponseEncoder.appendChunk(bytes, to: &outbound)
        } else {
            outbound.append(contentsOf: bytes)
        }
        flush()
        guard phase != .closed else { throw ConnectionClosedError() }
        return outbound.count - outboundStart > Self.outboundHighWaterMark
    }

    /// Ends a streamed body: the last chunk, or a close when fewer bytes than declared were sent.
    func finishStream(requestNumber number: UInt64) {
        guard number == requestNumber, case .streaming(let isChunked, let remaining) = response else { return }
        response = .complete
        if let remaining, remaining > 0 {
            close()
            return
        }
        if isChunked { outbound.append(contentsOf: ResponseEncoder.lastChunk) }
        flush()
        responseFinished()
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
        bodyChannel?.fail(HTTPError(status))
        if outboundStart == outbound.count { lastWriteProgressAt = EventLoop.monotonicNanoseconds() }
        let text = Array(status.description.utf8)
        ResponseEncoder.appendHead(
            status: status,
            headers: HTTPHeaders([("Content-Type", "text/plain")]),
            framing: .length(text.count),
            connection: .close,
            to: &outbound
        )
        outbound.append(contentsOf: text)
        phase = .closing
        closeAfterFlush = true
        flush()
    }

    /// After the last response byte is queued: close, drain the unread body, or move to the next request.
    func responseFinished() {
        guard phase == .handling else { return }
        if !isKeepAlive {
            bodyChannel?.fail(ConnectionClosedError())
            phase = .closing
            closeAfterFlush = true
            flush()
            return
        }
        if !isRequestBodyComplete {
            // The handler is done with the body; read and drop the rest to keep the connection.
            bodyChannel?.fail(ConnectionClosedError())
            isDraining = true
            isBodyPaused = false
            processInbound()
            return
        }
        completeExchange()
    }

    /// Both directions of the exchange are done; parse the next (maybe pipelined) request.
    func completeExchange() {
        bodyChannel = nil
        phase = .idle
        phaseStartedAt = EventLoop.monotonicNanoseconds()
        processInbound()
        if hasPeerClosedInput { handlePeerClosedInput() }
    }
}
