extension HTTPClient {
    /// Sends `request` from the loop thread the caller runs on and calls `completion` there,
    /// on the turn's way out, with the response head or the failure; the callback form of
    /// `execute` for code that answers from event-loop callbacks instead of a task.
    ///
    /// The same pools, time-outs and retry of a stale pooled connection as `execute`. What it
    /// saves is the task around the exchange: no suspension for the head, no executor
    /// preference, no cancellation record (measured in a proxy, a fifth of its own CPU went to
    /// that machinery). Call it on one of `eventLoopGroup`'s loops (a precondition); the
    /// completion is called exactly once unless the returned exchange is cancelled first.
    public func start(
        _ request: HTTPClientRequest,
        completion: @escaping (Result<HTTPClientResponse, any Error>) -> Void
    ) -> HTTPClientExchange {
        start(request, .closure(completion))
    }

    /// `start(_:completion:)` handing the outcome to `receiver` (held until it is handed over
    /// or the exchange is cancelled).
    public func start(_ request: HTTPClientRequest, for receiver: some HTTPClientResponseReceiver) -> HTTPClientExchange {
        start(request, .receiver(receiver))
    }

    private func start(_ request: HTTPClientRequest, _ completion: HTTPClientExchange.Completion) -> HTTPClientExchange {
        guard let loop = eventLoopGroup.currentLoop, let pools = self.pools(of: loop) else {
            preconditionFailure("HTTPClient.start must be called on a loop of the client's group")
        }
        let exchange = HTTPClientExchange(request: request, loop: loop, completion: completion)
        do {
            guard !isShutDown.load(ordering: .acquiring) else { throw HTTPEngineError.shutDown }
            try RequestEncoder.validate(request)
            exchange.framing = RequestEncoder.framing(of: request)
            exchange.deadline = request.timeout.map { loop.turnNanoseconds &+ $0.nanoseconds } ?? 0
            exchange.pools = pools
            exchange.pool = try pools.admitRequest(to: Upstream(host: request.host, port: request.port))
        } catch {
            // Not inside this call: a caller may start the next request from its completion.
            loop.runAtEndOfTurn { exchange.finish(.failure(error)) }
            return exchange
        }
        exchange.acquireConnection()
        return exchange
    }
}

/// One request started with `HTTPClient.start`: gets a pooled connection, sends, and hands the
/// response head to its completion; `cancel()` when the answer is no longer wanted.
///
/// `@unchecked Sendable`: its state is touched only on its loop's thread (`cancel` moves there).
public final class HTTPClientExchange: @unchecked Sendable {
    let request: HTTPClientRequest
    let loop: EventLoop
    var framing = HTTPBodyFraming.none
    var deadline: UInt64 = 0
    var pools: LoopPools?
    var pool: ConnectionPool<ClientConnection>?
    /// Who gets the outcome; nil once called or cancelled.
    var completion: Completion?
    var isRetry = false
    var waiterIdentifier: UInt64?
    var connection: ClientConnection?
    var exchangeNumber: UInt64 = 0

    /// Who gets an exchange's outcome.
    enum Completion {
        case closure((Result<HTTPClientResponse, any Error>) -> Void)
        case receiver(any HTTPClientResponseReceiver)
    }

    init(request: HTTPClientRequest, loop: EventLoop, completion: Completion) {
        self.request = request
        self.loop = loop
        self.completion = completion
    }

    /// Gives up on the answer: a connection mid-exchange is closed (it could not carry another
    /// request), a wait for one ends, and the completion is not called. A response head already
    /// handed over is unaffected (drop its body to stop reading it). Any thread; idempotent.
    public func cancel() {
        guard loop.inEventLoop else {
            _ = loop.execute { [self] in cancel() }
            return
        }
        guard completion != nil else { return }
        completion = nil
        if let waiterIdentifier, let pool {
            pool.cancelWaiter(waiterIdentifier)
        } else if let connection {
            connection.cancelExchange(exchangeNumber)
        }
    }

    /// A pooled connection at once when one is ready (no closure, no suspension), else the
    /// pool's wait, connect or back-off.
    func acquireConnection() {
        guard let pool else { return }
        if !isRetry, !pool.isShutDown, let connection = pool.readyConnection() {
            send(on: connection)
            return
        }
        let identifier = pool.nextWaiterIdentifier
        pool.nextWaiterIdentifier &+= 1
        waiterIdentifier = identifier
        pool.acquire(isFresh: isRetry, identifier: identifier, deadline: deadline) { [self] outcome in
            // Maybe called inside the pool's own bookkeeping (a connection released to a waiter):
            // go on once the turn's events are handled, as a resumed task would.
            loop.runAtEndOfTurn { [self] in
                waiterIdentifier = nil
                switch outcome {
                case .success(let connection):
                    guard completion != nil else {
                        // Cancelled meanwhile: the unused connection goes back (idle) at once, and
                        // the admission ends (a client shutting down waits for every admitted request).
                        pool.release(connection)
                        return finish(.failure(CancellationError()))
                    }
                    send(on: connection)
                case .failure(let error):
                    finish(.failure(error))
                }
            }
        }
    }

    func send(on connection: ClientConnection) {
        self.connection = connection
        exchangeNumber = connection.start(request, framing: framing, deadline: deadline, for: self)
    }

    /// What `connection` answered: the response head, or why there is none (at the end of a
    /// loop turn, never inside `send`).
    func received(_ outcome: consuming Result<HTTPClientResponse, any Error>, from connection: ClientConnection) {
        self.connection = nil
        if case .failure(let error as HTTPEngineError) = outcome, error.code == .connectionClosed,
           !isRetry, completion != nil, connection.failedAsStale, request.isReplayable {
            // The pooled connection had died unseen; one replay on a fresh one, like `execute`.
            isRetry = true
            return acquireConnection()
        }
        finish(consume outcome)
    }

    /// Ends the exchange's claim on the pools and hands over the outcome, unless cancelled.
    func finish(_ outcome: consuming Result<HTTPClientResponse, any Error>) {
        if let pools, let pool {
            pools.requestFinished(on: pool)
            self.pool = nil
        }
        guard let completion else { return }
        self.completion = nil
        switch completion {
        case .closure(let body): body(outcome)
        case .receiver(let receiver): receiver.received(consume outcome)
        }
    }
}
