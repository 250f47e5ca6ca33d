import Glibc

/// Keep-alive connections to one upstream from one event loop, with a cap on open
/// connections, a cap on idle ones and a bounded queue of waiting requests.
///
/// `@unchecked Sendable`: all state is touched only on `loop`'s thread (the client
/// pins its tasks to the loop; connections call back from loop callbacks). One pool
/// per loop keeps it lock-free, at the price of connections not being shared across loops.
final class ConnectionPool: @unchecked Sendable {
    /// Gets a connection or why there is none: an `HTTPEngineError`, or `CancellationError`
    /// for a queued request whose task was cancelled.
    typealias Completion = (Result<ClientConnection, any Error>) -> Void

    /// A request queued for a connection, failed when its timer fires: with `.overloaded`
    /// after `connectTimeout`, or with `requestTimeout` at its own earlier `deadline`.
    struct Waiter {
        let identifier: UInt64
        let timer: EventLoopTimer
        /// The request's own time-out (monotonic nanoseconds, 0 for none), kept for a connect made for it later.
        let deadline: UInt64
        let completion: Completion
    }

    let upstream: Upstream
    // Weak: connections keep their pool alive after a client dropped without `shutdown()`.
    weak var owner: LoopPools?
    let loop: EventLoop
    let configuration: HTTPClientConfiguration
    /// Idle connections; the most recently used is last and is reused first.
    var idle: [ClientConnection] = []
    /// Connections connecting, leased or idle.
    var connections: [ObjectIdentifier: ClientConnection] = [:]
    /// Host lookups under way for a connection; they count as connections against the cap.
    var lookupsPending = 0
    var openCount: Int { connections.count + lookupsPending }
    var waiters: [Waiter] = []
    /// Requests whose connection is being opened for them, by waiter identifier.
    var pendingConnects: [UInt64: Completion] = [:]
    var nextWaiterIdentifier: UInt64 = 0
    /// Admitted requests that have not returned yet.
    var requestsInFlight = 0
    /// Set when the client shuts down: connections are not kept idle any more.
    var isDraining = false
    /// Set when every connection was closed for good: nothing may connect again.
    var isShutDown = false

    init(upstream: Upstream, owner: LoopPools) {
        self.upstream = upstream
        self.owner = owner
        loop = owner.loop
        configuration = owner.configuration
    }

    /// Whether nothing uses the pool: no request, no waiter, no connection.
    var isUnused: Bool {
        requestsInFlight == 0 && connections.isEmpty && waiters.isEmpty && pendingConnects.isEmpty
    }

    /// A connection for one request: an idle one (unless `isFresh`, used for a retry),
    /// a new one while under the cap, else a place in the queue (loop thread only).
    /// `deadline` (monotonic nanoseconds, 0 for none) ends the wait with `.requestTimeout`.
    func acquire(isFresh: Bool, deadline: UInt64 = 0) async throws -> ClientConnection {
        loop.assertInEventLoop()
        // The usual case, an idle connection, needs no suspension: without the continuation
        // and its escaping completion it costs no allocation.
        if !isFresh, !isShutDown, let connection = idle.popLast() {
            connection.lease()
            return connection
        }
        let identifier = nextWaiterIdentifier
        nextWaiterIdentifier &+= 1
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                acquire(isFresh: isFresh, identifier: identifier, deadline: deadline) { continuation.resume(with: $0) }
            }
        } onCancel: {
            // Any thread; the queue is loop-only. Cancelled before it was queued, the waiter
            // is queued before this job runs (the caller is on the loop until it suspends).
            _ = loop.execute { [self] in cancelWaiter(identifier) }
        }
    }

    func acquire(isFresh: Bool, identifier: UInt64, deadline: UInt64, completion: @escaping Completion) {
        if isShutDown {
            completion(.failure(HTTPEngineError.shutDown))
            return
        }
        if !isFresh, let connection = idle.popLast() {
            connection.lease()
            completion(.success(connection))
            return
        }
        if openCount >= configuration.maxConnectionsPerUpstream, let spare = idle.first {
            // A retry must not reuse another possibly stale connection: trade an idle one for a new one.
            spare.close()
        }
        if openCount < configuration.maxConnectionsPerUpstream {
            openConnection(for: identifier, deadline: deadline, completion)
            return
        }
        guard waiters.count < configuration.maxWaitingRequests else {
            completion(.failure(HTTPEngineError.overloaded(upstream.description)))
            return
        }
        let queueLimit = EventLoop.monotonicNanoseconds() &+ configuration.connectTimeout.nanoseconds
        let isRequestLimitFirst = deadline != 0 && deadline < queueLimit
        let timer = loop.scheduleTimer(atNanoseconds: isRequestLimitFirst ? deadline : queueLimit) { [self] in
            guard let index = waiters.firstIndex(where: { $0.identifier == identifier }) else { return }
            let waiter = waiters.remove(at: index)
            waiter.completion(.failure(isRequestLimitFirst ? HTTPEngineError.requestTimeout : HTTPEngineError.overloaded(upstream.description)))
        }
        var completion = completion
        if let observer = configuration.observer {
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

    /// A queued or connecting request's task was cancelled: it stops waiting at once,
    /// instead of holding its place until a connection or `connectTimeout` comes.
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
        owner?.poolMayBeUnused(self)
    }

    /// Opens a connection for the request `identifier`, trying the host's addresses in
    /// turn; if that request stopped waiting meanwhile (its `deadline` passed, or it was
    /// cancelled), the new connection goes to the next waiter or the idle list.
    func openConnection(for identifier: UInt64, deadline: UInt64, _ completion: @escaping Completion) {
        guard let resolver = owner?.resolver else {
            completion(.failure(HTTPEngineError.shutDown))
            return
        }
        pendingConnects[identifier] = completion
        if deadline != 0 {
            // Left to fire even when the connect finished first (it then finds nothing):
            // connects are rare next to reuses, and cancelling would need the timer kept per request.
            _ = loop.scheduleTimer(atNanoseconds: deadline) { [self] in
                guard let completion = pendingConnects.removeValue(forKey: identifier) else { return }
                completion(.failure(HTTPEngineError.requestTimeout))
                if isDraining { closeAbandonedConnects() }
            }
        }
        lookupsPending += 1
        resolver.addresses(for: upstream) { [self] answer in
            lookupsPending -= 1
            switch answer {
            case .failure(let error):
                pendingConnects.removeValue(forKey: identifier)?(.failure(error))
                owner?.poolMayBeUnused(self)
            case .success(let addresses):
                // Gave up (or shut down) during the lookup: no connect for nobody.
                guard pendingConnects[identifier] != nil, !isShutDown else {
                    owner?.poolMayBeUnused(self)
                    return
                }
                connect(to: addresses[...], for: identifier)
            }
        }
    }

    /// Connects to the first address; a refused or failed connect moves on to the next.
    func connect(to addresses: ArraySlice<SocketAddress>, for identifier: UInt64) {
        ClientConnection.connect(to: addresses.first!, pool: self) { [self] result in
            if case .failure(let error) = result, error.isConnectFailure, addresses.count > 1,
               pendingConnects[identifier] != nil, !isShutDown {
                connect(to: addresses.dropFirst(), for: identifier)
                return
            }
            if case .failure(let error) = result { configuration.observer?.upstreamConnectFailed(upstream.description, error: error) }
            guard let completion = pendingConnects.removeValue(forKey: identifier) else {
                if case .success(let connection) = result { release(connection) }
                return
            }
            completion(result.mapError { $0 })
        }
    }

    /// Counts a connection whose socket is registered; `connectionClosed` undoes it.
    func connectionOpened(_ connection: ClientConnection) {
        connections[ObjectIdentifier(connection)] = connection
    }

    /// A connection finished an exchange and may be reused: a waiter gets it, else the idle list.
    func release(_ connection: ClientConnection) {
        if isShutDown {
            connection.close()
            return
        }
        if !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            loop.cancelTimer(waiter.timer)
            waiter.completion(.success(connection))
            return
        }
        // While draining, an idle connection would only wait to be closed.
        guard !isDraining, idle.count < configuration.maxIdleConnectionsPerUpstream else {
            connection.close()
            return
        }
        connection.becomeIdle()
        idle.append(connection)
    }

    /// A connection closed: its slot goes to the first waiter, if any.
    func connectionClosed(_ connection: ClientConnection) {
        connections[ObjectIdentifier(connection)] = nil
        if let index = idle.firstIndex(where: { $0 === connection }) { idle.remove(at: index) }
        if !isShutDown, !waiters.isEmpty, openCount < configuration.maxConnectionsPerUpstream {
            let waiter = waiters.removeFirst()
            loop.cancelTimer(waiter.timer)
            openConnection(for: waiter.identifier, deadline: waiter.deadline, waiter.completion)
        }
        owner?.poolMayBeUnused(self)
    }

    /// Client shutdown began: idle connections close, busy ones close after their exchange;
    /// queued requests (admitted before shutdown) still get a connection.
    func beginDrain() {
        isDraining = true
        for connection in idle { connection.close() }
        closeAbandonedConnects()
    }

    /// While draining, a connect nobody waits for any more would only delay shutdown
    /// until it finished or timed out. Each request waiting on a connect is in
    /// `pendingConnects`, so with none there (and no queue) every connect is abandoned.
    func closeAbandonedConnects() {
        guard pendingConnects.isEmpty, waiters.isEmpty else { return }
        for connection in connections.values where connection.state == .connecting { connection.close() }
    }

    /// Closes every connection for good: requests waiting for one, or for their response
    /// head, or reading a body, fail with `.shutDown`.
    func closeAll() {
        isDraining = true
        isShutDown = true
        let waiters = waiters
        self.waiters = []
        for waiter in waiters {
            loop.cancelTimer(waiter.timer)
            waiter.completion(.failure(HTTPEngineError.shutDown))
        }
        let pendingConnects = pendingConnects
        self.pendingConnects = [:]
        for completion in pendingConnects.values { completion(.failure(HTTPEngineError.shutDown)) }
        for connection in Array(connections.values) { connection.fail(HTTPEngineError.shutDown) }
    }

    /// The typed error for a failed connect.
    func connectError(errorNumber: Int32) -> HTTPEngineError {
        .connectFailure(to: upstream.description, errorNumber: errorNumber)
    }
}
