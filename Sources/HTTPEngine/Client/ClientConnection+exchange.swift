extension ClientConnection {
    /// Sends `request` (validated by `RequestEncoder.validate`) and returns once the final response
    /// head arrived; a streamed body keeps being sent by a task pinned to the loop.
    /// `deadline` (monotonic nanoseconds, 0 for none) bounds the wait for the head: past it the exchange fails with `.requestTimeout`.
    func execute(_ request: HTTPClientRequest, framing: HTTPBodyFraming, deadline: UInt64) async throws -> HTTPClientResponse {
        loop.assertInEventLoop()
        // A connection handed over by the pool can close before its new owner runs
        // (the upstream timed it out); that is the stale case a retry covers.
        guard state == .active else {
            failedAsStale = completedExchanges > 0
            throw closedEarly
        }
        let number = begin(request, framing: framing, deadline: deadline)
        return try await withTaskCancellationHandler {
            try await waitForHead(exchange: number)
        } onCancel: {
            Task(executorPreference: loop) { [self] in cancelExchange(number) }
        }
    }

    /// The callback form of `execute`: `exchange` gets the response head or the failure, at the
    /// end of the loop's turn (never inside this call); returns the exchange's number, for
    /// `cancelExchange`.
    func start(
        _ request: HTTPClientRequest,
        framing: HTTPBodyFraming,
        deadline: UInt64,
        for exchange: HTTPClientExchange
    ) -> UInt64 {
        loop.assertInEventLoop()
        guard state == .active else {
            failedAsStale = completedExchanges > 0
            let failure = closedEarly
            loop.runAtEndOfTurn { [self] in exchange.received(.failure(failure), from: self) }
            return exchangeNumber
        }
        let number = begin(request, framing: framing, deadline: deadline)
        headReceiver = exchange
        if let earlyOutcome {
            self.earlyOutcome = nil
            deliver(earlyOutcome)
        } else if number != exchangeNumber || state != .active {
            deliver(.failure(closedEarly))
        }
        return number
    }

    /// Writes the request (what the socket takes now) and starts the task that sends a streamed body.
    private func begin(_ request: HTTPClientRequest, framing: HTTPBodyFraming, deadline: UInt64) -> UInt64 {
        let number = startExchange(request: request, framing: framing, deadline: deadline)
        if case .stream(_, let makeChunks) = request.body.content, state == .active {
            bodyWriter = Task(executorPreference: loop) { [self] in
                await sendBody(makeChunks(), exchange: number)
            }
        }
        return number
    }

    /// Copies the source into the request; a failing source fails the exchange,
    /// a failing write just stops (the exchange already reports why).
    func sendBody(_ chunks: ChunkSource, exchange number: UInt64) async {
        while true {
            let chunk: [UInt8]?
            do {
                chunk = try await chunks.next()
            } catch {
                failRequestBody(error, exchange: number)
                return
            }
            guard let chunk else { break }
            guard !chunk.isEmpty else { continue }
            do {
                try await writeBodyChunk(chunk, exchange: number)
            } catch {
                return
            }
        }
        finishRequestBody(exchange: number)
    }

    /// Suspends until the response head (or the exchange's failure) arrives.
    func waitForHead(exchange number: UInt64) async throws -> HTTPClientResponse {
        loop.assertInEventLoop()
        if let earlyOutcome {
            self.earlyOutcome = nil
            return try earlyOutcome.get()
        }
        guard number == exchangeNumber, state == .active else { throw closedEarly }
        return try await withUnsafeThrowingContinuation { continuation in
            headWaiter = continuation
        }
    }

    /// The caller gave up waiting: the half-done exchange makes the connection unusable.
    func cancelExchange(_ number: UInt64) {
        guard number == exchangeNumber, state == .active, !hasResponseHead else { return }
        fail(CancellationError())
    }
}
