extension ServerConnection {
    /// Hands a parsed request to the connection's handler task, starting it on first use.
    ///
    /// One long-lived task per connection, which prefers this loop, runs the handler for
    /// each request in turn: a request that needs no other I/O is handled and answered on
    /// the connection's own thread, and no task is created per request (creating one cost
    /// about four heap allocations, measured with Benchmarks/HTTPServer/malloc-counter.c).
    func startHandler(_ request: consuming HTTPRequest, requestNumber number: UInt64) {
        // `request` is edited in place (a consuming parameter is the callee's own): a `var`
        // copy of it was one more retain and release of each of its references.
        let startedAt = configuration.observer == nil ? 0 : EventLoop.monotonicNanoseconds()
        // Asked first, on this thread: an answer made on the spot needs no task turn at all.
        // Only without a body: one with a body goes to the task, and the parse loop reads on
        // meanwhile, so a malformed body already here is answered 400 first (as nginx does),
        // not after an answer that took the request for sound.
        if bodyChannel == nil, let response = context.handler.respondImmediately(to: &request) {
            guard case .bytes(let body) = response.body.content else {
                readyResponse = response
                return handOverToTask(request, requestNumber: number)
            }
            // The caller (reading, or the end of the previous exchange) updates interest and
            // deadlines afterwards, as it does after starting the task.
            sendComplete(status: response.status, headers: response.headers, body: body, requestNumber: number)
            if let observer = configuration.observer {
                observer.requestFinished(request.head, status: response.status, duration: .nanoseconds(Int64(EventLoop.monotonicNanoseconds() - startedAt)))
            }
            return
        }
        if bodyChannel == nil, offerDeferredAnswer(request, requestNumber: number, startedAt: startedAt) { return }
        handOverToTask(request, requestNumber: number)
    }

    /// Gives the request to the connection's handler task, starting the task on first use.
    func handOverToTask(_ request: HTTPRequest, requestNumber number: UInt64) {
        if let waiter = requestWaiter {
            requestWaiter = nil
            waiter.resume(returning: (request, number))
            return
        }
        pendingRequest = (request, number)
        guard !isHandlerTaskRunning else { return }
        isHandlerTaskRunning = true
        let handler = context.handler
        let observer = configuration.observer
        handlerTask = Task(executorPreference: loop) { [self] in
            while let (request, number) = await nextRequest() {
                // Read only with an observer: a clock read per request is not free.
                let startedAt = observer == nil ? nil : ContinuousClock.now
                let response: HTTPResponse
                // `nextRequest` returned on the loop, where `readyResponse` lives.
                if let ready = takeReadyResponse() {
                    response = ready
                } else {
                    do {
                        response = try await handler.handle(request)
                    } catch {
                        // Thrown by the outermost layer; inner layers' errors arrive as responses.
                        response = HandlerErrorAnswer.response(to: error, for: request)
                    }
                }
                await send(response, requestNumber: number)
                if let observer, let startedAt {
                    observer.requestFinished(request.head, status: response.status, duration: .now - startedAt)
                }
            }
        }
    }

    /// Cancels the handler task because no later response can reach the client (the
    /// connection closed, is closing with an error answer, or the client left). Only
    /// called when no further request will be handled: the task serves the whole
    /// connection, and its cancellation is permanent.
    func cancelHandler() {
        handlerTask?.cancel()
        cancelDeferredAnswer()
    }

    /// The streamed response `respondImmediately` gave for the request just taken, if any.
    func takeReadyResponse() -> HTTPResponse? {
        guard let ready = readyResponse else { return nil }
        readyResponse = nil
        return ready
    }

    /// The next request for the handler task; nil once the connection is closed.
    func nextRequest() async -> (HTTPRequest, UInt64)? {
        guard loop.inEventLoop else {
            // The handler left the loop (an actor hop); come back before touching state.
            return (try? await loop.perform { await nextRequest() }) ?? nil
        }
        if let pending = pendingRequest {
            pendingRequest = nil
            return pending
        }
        if phase == .closed { return nil }
        // Stored and later resumed on this thread (by `startHandler` or `close`).
        return await withUnsafeContinuation { takeRequest($0) }
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
}
