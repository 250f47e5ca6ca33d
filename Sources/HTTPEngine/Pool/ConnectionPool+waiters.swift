/// The bounded queue of requests waiting for a connection of a leased pool at its cap.
extension ConnectionPool {
    /// A request queued for a connection, failed when its timer fires: with `.overloaded`
    /// after `waitTimeout`, or with `requestTimeout` at its own earlier `deadline`.
    struct Waiter {
        let identifier: UInt64
        let timer: EventLoopTimer
        /// The request's own time-out (monotonic nanoseconds, 0 for none), kept for a connect made for it later.
        let deadline: UInt64
        let completion: Completion
    }

    /// Queues a request while the queue has room, else fails it with `.overloaded`. A shared
    /// pool never queues: its connections are full, and a queue behind them would only add
    /// latency to requests a rate limiter wants answered or refused at once.
    func enqueue(identifier: UInt64, deadline: UInt64, _ completion: @escaping Completion) {
        if case .shared(let maxRequests) = settings.sharing {
            completion(.failure(HTTPEngineError.overloaded(upstream.description, pendingLimit: maxRequests)))
            return
        }
        guard waiters.count < settings.maxWaitingRequests else {
            completion(.failure(HTTPEngineError.overloaded(upstream.description)))
            return
        }
        let queueLimit = EventLoop.monotonicNanoseconds() &+ settings.waitTimeout.nanoseconds
        let isRequestLimitFirst = deadline != 0 && deadline < queueLimit
        let timer = loop.scheduleTimer(atNanoseconds: isRequestLimitFirst ? deadline : queueLimit) { [self] in
            guard let index = waiters.firstIndex(where: { $0.identifier == identifier }) else { return }
            let waiter = waiters.remove(at: index)
            waiter.completion(.failure(isRequestLimitFirst ? HTTPEngineError.requestTimeout : HTTPEngineError.overloaded(upstream.description)))
        }
        var completion = completion
        if let observer = settings.observer {
            // Wrapped only with an observer, so an unobserved wait costs no closure.
            let queuedAt = ContinuousClock.now
            let upstream = upstream.description
            let reply = completion
            completion = { result in
                observer.poolWaitEnded(upstream, duration: .now - queuedAt)
                reply(result)
            }
        }
        waiters.append(Waiter(identifier: identifier, timer: timer, deadline: deadline, completion: completion))
    }

    /// Takes the oldest waiter off the queue, its timer cancelled.
    func takeFirstWaiter() -> Waiter? {
        guard !waiters.isEmpty else { return nil }
        let waiter = waiters.removeFirst()
        loop.cancelTimer(waiter.timer)
        return waiter
    }

    /// Hands `connection` to the oldest waiter; false when none waits.
    func serveFirstWaiter(with connection: Connection) -> Bool {
        guard let waiter = takeFirstWaiter() else { return false }
        waiter.completion(.success(connection))
        return true
    }

    /// A queued or connecting request's task was cancelled: it stops waiting at once,
    /// instead of holding its place until a connection or `waitTimeout` comes.
    func cancelWaiter(_ identifier: UInt64) {
        if let completion = pendingConnects.removeValue(forKey: identifier) {
            // The connect goes on; its connection then serves the pool.
            completion(.failure(CancellationError()))
            if isDraining { closeAbandonedConnects() }
            return
        }
        guard let index = waiters.firstIndex(where: { $0.identifier == identifier }) else { return }
        let waiter = waiters.remove(at: index)
        loop.cancelTimer(waiter.timer)
        waiter.completion(.failure(CancellationError()))
        poolMayBeUnused()
    }
}
