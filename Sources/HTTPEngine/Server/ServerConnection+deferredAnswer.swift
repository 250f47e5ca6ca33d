extension ServerConnection {
    /// Offers `request` to the handler's `respondLater`; returns whether it took it.
    func offerDeferredAnswer(_ request: HTTPRequest, requestNumber number: UInt64, startedAt: UInt64) -> Bool {
        deferredRequest = DeferredRequest(request: request, number: number, startedAt: startedAt)
        guard context.handler.respondLater(to: request, with: HTTPResponder(connection: self, requestNumber: number)) else {
            precondition(lastDeferredAnswer != number, "respondLater answered the request and then returned false")
            deferredRequest = nil
            return false
        }
        return true
    }

    /// What an `HTTPResponder` hands over, on the loop.
    func receive(_ event: HTTPResponder.Event, requestNumber number: UInt64) {
        switch event {
        case .answer(let response): finishDeferredAnswer(response, requestNumber: number)
        case .cancellation(let action): setDeferredCancellation(action, requestNumber: number)
        }
    }

    /// The answer `HTTPResponder.respond` gave, on the loop: sent like the handler task's,
    /// unless the exchange ended meanwhile (close, time-out, error answer).
    func finishDeferredAnswer(_ response: HTTPResponse, requestNumber number: UInt64) {
        precondition(number > lastDeferredAnswer, "HTTPResponder.respond was called twice for one request")
        lastDeferredAnswer = number
        // Taken out, not copied: a copy retained every reference in the request (its head's
        // buffers, addresses, context) only for `send` to release them when it cleared the slot.
        guard deferredRequest?.number == number, let pending = deferredRequest.take() else { return }
        send(response, for: pending)
    }

    private func send(_ response: HTTPResponse, for pending: DeferredRequest) {
        deferredRequest = nil
        deferredCancellation = nil
        guard case .bytes(let body) = response.body.content else {
            // Producing a streamed body needs a task: the connection's handler task sends it.
            readyResponse = response
            handOverToTask(pending.request, requestNumber: pending.number)
            return
        }
        sendComplete(status: response.status, headers: response.headers, body: body, requestNumber: pending.number)
        if let observer = configuration.observer {
            observer.requestFinished(pending.request.head, status: response.status, duration: .nanoseconds(Int64(EventLoop.monotonicNanoseconds() - pending.startedAt)))
        }
        afterEvent()
    }

    /// Keeps the handler's cancellation for the pending answer; runs it at once when that
    /// exchange was already cancelled or ended without an answer.
    func setDeferredCancellation(_ action: @escaping @Sendable () -> Void, requestNumber number: UInt64) {
        if let pending = deferredRequest, pending.number == number, !pending.isCancelled {
            deferredCancellation = action
        } else if number > lastDeferredAnswer {
            loop.runAtEndOfTurn(action)
        }
    }

    /// The client is gone (closed, or half-closed with nothing pipelined) or the exchange ended
    /// with an error answer: the handler's cancellation runs, and unless that answers, the
    /// request gets what a cancelled `handle` answers by default, an empty 500 (a half-closed
    /// client still receives it), and nothing is reported to `onHandlerError`, as for a cancelled
    /// `handle`. A handler's answer after that is dropped. Without this a
    /// handler that registered no cancellation would hold the connection open for ever.
    func cancelDeferredAnswer() {
        guard let pending = deferredRequest, !pending.isCancelled else { return }
        deferredRequest?.isCancelled = true
        let cancellation = deferredCancellation
        deferredCancellation = nil
        // Not inside the close or read that got here: the action may start or end other exchanges.
        loop.runAtEndOfTurn { [self] in
            cancellation?()
            guard let stillPending = deferredRequest, stillPending.number == pending.number else { return }
            send(HandlerErrorAnswer.clientGone, for: stillPending)
        }
    }
}

/// A request whose answer a handler gives later (`respondLater`).
struct DeferredRequest {
    let request: HTTPRequest
    let number: UInt64
    /// Monotonic nanoseconds, for the observer; 0 without one.
    let startedAt: UInt64
    var isCancelled = false
}
