extension ClientConnection: BodyChunkProducer {
    /// Reads what the socket has, parses it and handles end of stream.
    func readInput() {
        guard state == .active, !isBodyPaused, !hasPeerClosedInput else { return }
        if isResponseComplete {
            // Handed to a waiting request that has not started yet: input now means
            // the connection died, exactly as for an idle one.
            discardIdleInput()
            return
        }
        let room = readAheadLimit - core.inbound.readableCount
        // Interest normally drops before the buffer is full; if not, it catches up here.
        guard room > 0 else {
            afterEvent()
            return
        }
        let count: Int?
        do {
            count = try core.read(room: room)
        } catch {
            // A reset: whatever was not parsed yet is lost with it.
            fail(noResponseOrTruncated())
            return
        }
        guard let count else { return }
        if count == 0 {
            hasPeerClosedInput = true
        } else {
            hasReceivedResponseBytes = true
            lastActivityAt = loop.turnNanoseconds
        }
        processInbound()
        // Small reads again with nothing buffered: a pooled connection idles with a small buffer.
        core.releaseCapacityIfIdle()
        if hasPeerClosedInput, state == .active, !isBodyPaused { handlePeerClosedInput() }
        afterEvent()
    }

    /// Parses buffered input until it runs out, the consumer pushes back, or the response ends.
    func processInbound() {
        guard !isProcessingInbound else { return }
        isProcessingInbound = true
        defer { isProcessingInbound = false }
        while state == .active, !isBodyPaused, !isResponseComplete {
            let step: (event: HTTPParser.Event?, consumed: Int)
            do {
                step = try parser.parse(core.inbound.readableBytes)
            } catch {
                fail(HTTPEngineError.malformedResponse(error))
                return
            }
            guard let event = step.event else {
                core.inbound.consume(step.consumed)
                if step.consumed == 0 { return }
                continue
            }
            switch event {
            case .responseHead(let head):
                core.inbound.consume(step.consumed)
                receivedHead(head)
            case .body(let range):
                // No channel: the body went out whole with the head (or its reader is gone).
                if let bodyChannel {
                    let chunk = [UInt8](UnsafeRawBufferPointer(rebasing: core.inbound.readableBytes[range]))
                    core.inbound.consume(step.consumed)
                    if bodyChannel.yield(chunk) { isBodyPaused = true }
                } else {
                    core.inbound.consume(step.consumed)
                }
            case .messageEnd:
                core.inbound.consume(step.consumed)
                if isSkippingInterimResponse {
                    isSkippingInterimResponse = false
                } else {
                    responseEnded()
                }
            case .requestHead:
                // A response-mode parser never produces request heads.
                fail(HTTPEngineError.malformedResponse(HTTPParseError.invalidStatusLine))
            }
        }
    }

    /// Skips 1xx interim responses; hands a final head (and its body channel) to the caller.
    func receivedHead(_ head: HTTPResponseHead) {
        if head.status.code < 200 {
            // 101 would switch protocols, which this client never asks for.
            guard head.status.code != 101 else {
                fail(HTTPEngineError.malformedResponse(HTTPParseError.invalidStatusLine))
                return
            }
            isSkippingInterimResponse = true
            return
        }
        hasResponseHead = true
        isResponseKeepAlive = head.isKeepAlive
        let expectedLength: Int?
        switch head.bodyFraming {
        case .none: expectedLength = 0
        case .length(let length): expectedLength = length
        case .chunked, .untilClose: expectedLength = nil
        }
        var body = HTTPClientResponseBody(channel: nil, lifetime: nil, expectedLength: expectedLength)
        if let length = expectedLength, length > 0, length <= Self.readChunkSize, core.inbound.readableCount >= length {
            // The whole body came with the head, as a small answer usually does: handed over
            // as bytes it needs no buffer and no lifetime object, and the parser's body events
            // for it (this same pass) are skipped. The exchange still ends at the message end.
            body = HTTPClientResponseBody(completeBytes: [UInt8](UnsafeRawBufferPointer(rebasing: core.inbound.readableBytes[0..<length])))
        } else if expectedLength != 0 {
            let channel = BodyChunkBuffer(loop: loop, producer: self, exchange: exchangeNumber, operation: "response body read")
            bodyChannel = channel
            let lifetime = ResponseBodyLifetime(connection: self, exchange: exchangeNumber)
            body = HTTPClientResponseBody(channel: channel, lifetime: lifetime, expectedLength: expectedLength)
        }
        deliver(.success(HTTPClientResponse(head: head, body: body)))
    }

    /// Resumes the caller waiting for the head, or keeps the outcome until it waits.
    func deliver(_ outcome: Result<HTTPClientResponse, any Error>) {
        if let headWaiter {
            self.headWaiter = nil
            headWaiter.resume(with: outcome)
        } else if let headReceiver {
            self.headReceiver = nil
            // Run on this turn's way out, not here: this is the middle of parsing or closing,
            // and the callback may start another exchange on the same pool (a retry, the next
            // pipelined request of the server connection it answers).
            // The connection queues itself with the delivery in `pendingDelivery` (no closure to
            // allocate); a second delivery queued before the first ran takes a closure, in order.
            if pendingDelivery == nil {
                pendingDelivery = (headReceiver, outcome)
                loop.runAtEndOfTurn(self)
            } else {
                loop.runAtEndOfTurn { [self] in headReceiver.received(outcome, from: self) }
            }
        } else {
            earlyOutcome = outcome
        }
    }

    /// The response is complete: end the body and return the connection if it can be reused.
    func responseEnded() {
        isResponseComplete = true
        bodyChannel?.finish()
        bodyChannel = nil
        finishExchangeIfDone()
    }

    /// Once both the request and the response are through, pools or closes the connection.
    func finishExchangeIfDone() {
        guard state == .active, isResponseComplete else { return }
        // A response that ends before the upstream took the whole request leaves the
        // request half-sent: the connection cannot carry another exchange.
        guard isRequestSent, core.outbound.isEmpty else {
            close()
            return
        }
        let isReusable = isResponseKeepAlive && isRequestKeepAlive && !isOutputBroken
            && !hasPeerClosedInput && core.inbound.readableCount == 0
        guard isReusable else {
            close()
            return
        }
        completedExchanges += 1
        bodyWriter = nil
        core.settleBetweenMessages()
        pool.release(self)
    }

    /// End of input mid-exchange: ends an until-close body, else fails the exchange.
    func handlePeerClosedInput() {
        do {
            if case .messageEnd? = try parser.finish(), hasResponseHead, !isSkippingInterimResponse {
                responseEnded()
                return
            }
        } catch {
            // Truncated: reported below like a close before the response.
        }
        fail(noResponseOrTruncated())
    }

    /// The error for a connection lost mid-exchange; marks a pooled connection that
    /// died before any response byte as stale (safe to replay idempotent requests).
    func noResponseOrTruncated() -> HTTPEngineError {
        failedAsStale = completedExchanges > 0 && !hasReceivedResponseBytes
        return closedEarly
    }

    /// The reader drained the buffer: resume parsing and reading.
    func bodyDemanded(exchange number: UInt64) {
        loop.assertInEventLoop()
        guard number == exchangeNumber, state == .active, isBodyPaused else { return }
        isBodyPaused = false
        // Time spent paused is the consumer's, not the upstream's.
        lastActivityAt = loop.turnNanoseconds
        processInbound()
        if hasPeerClosedInput, state == .active, !isBodyPaused, !isResponseComplete { handlePeerClosedInput() }
        afterEvent()
    }

    /// Every copy of the response body is gone: an unread remainder makes the connection unusable.
    func bodyReleased(exchange number: UInt64) {
        loop.assertInEventLoop()
        guard number == exchangeNumber, state == .active, hasResponseHead, !isResponseComplete else { return }
        close()
    }

    /// Input on an idle connection is a close, a reset or garbage; none leaves it usable.
    func discardIdleInput() {
        do {
            // Nothing to read after all (a spurious wake-up): stay in the pool.
            if try core.discardInput() == nil { return }
        } catch {
            // A reset: close below.
        }
        close()
    }
}

extension ClientConnection: EndOfTurnWork {
    /// Hands the queued response head (or failure) to its exchange.
    func runAtEndOfTurn() {
        // Taken, not copied: the receiver may edit the response head in place, which a second
        // reference to its buffer would turn into a copy.
        guard let (receiver, outcome) = pendingDelivery.take() else { return }
        receiver.received(consume outcome, from: self)
    }
}
