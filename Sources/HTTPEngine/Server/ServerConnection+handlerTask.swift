extension ServerConnection {
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
        let observer = configuration.observer
        handlerTask = Task(executorPreference: loop) { [self] in
            while let (request, number) = await nextRequest() {
                // Read only with an observer: a clock read per request is not free.
                let startedAt = observer == nil ? nil : ContinuousClock.now
                let response: HTTPResponse
                do {
                    response = try await handler.handle(request)
                } catch {
                    // Thrown by the outermost layer; inner layers' errors arrive as responses.
                    response = HandlerErrorAnswer.response(to: error, for: request)
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
