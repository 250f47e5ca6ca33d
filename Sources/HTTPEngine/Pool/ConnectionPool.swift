/// Connections to one upstream from one event loop, for the HTTP client (each connection leased
/// to one exchange at a time) and the pipelined client (each connection shared by many requests):
/// a cap on open connections, an idle list with a cap, a bounded queue of waiting requests with
/// time-outs and cancellation, host resolution trying every address, an optional reconnect
/// back-off, a graceful drain and a close-all. `ConnectionPoolSettings` holds the policy.
///
/// `@unchecked Sendable`: all state is touched only on `loop`'s thread (the clients pin their
/// tasks to the loop; connections call back from loop callbacks). One pool per loop keeps it
/// lock-free, at the price of connections not being shared across loops.
final class ConnectionPool<Connection: PooledConnection>: @unchecked Sendable {
    /// Gets a connection or why there is none: an `HTTPEngineError`, or `CancellationError`
    /// for a request whose task was cancelled while it waited.
    typealias Completion = (Result<Connection, any Error>) -> Void

    let upstream: Upstream
    let loop: EventLoop
    let settings: ConnectionPoolSettings
    /// What the connections share beside the policy.
    let configuration: Connection.Configuration
    let resolver: HostResolver
    /// Who holds the pool (a client's `LoopPools`). Strong, and a cycle while the owner lists the
    /// pool: the owner drops a pool once it is unused (no request, waiter or connection), which
    /// every pool becomes once its connections close (idle time-out, or the loop's exit), so a
    /// client dropped without `shutdown()` is freed then. A weak reference, the rejected
    /// alternative, gave the owner a side table, and every retain and release of it took the
    /// runtime's slow path: the client retains it per request (2 % of a proxy's user time).
    let owner: (any ConnectionPoolOwner)?
    /// Idle connections of a leased pool; the most recently used is last and is reused first.
    var idle: [Connection] = []
    /// Connections connecting, busy or idle, in the order they were opened.
    var connections: [Connection] = []
    /// Host lookups under way for a connection; they count as connections against the cap.
    var lookupsPending = 0
    var openCount: Int { connections.count + lookupsPending }
    var waiters: [Waiter] = []
    /// Requests waiting for a connection being opened, by request identifier.
    var pendingConnects: [UInt64: Completion] = [:]
    /// Requests of a shared pool that wait on a connect made for another request, by the
    /// identifier of the request the connect was made for.
    var joiners: [UInt64: [UInt64]] = [:]
    /// The connect of a shared pool that later requests join instead of opening their own.
    var joinableConnect: UInt64?
    /// Places on shared connections promised to the requests whose connect just finished, until
    /// each queues its request: they resume as later jobs of the loop, and a request arriving
    /// before them must not take their room (it then found the new connection empty, and the
    /// requesters were refused as `.overloaded` though the burst fitted the pool).
    var reservedPlaces: [ObjectIdentifier: Int] = [:]
    var nextWaiterIdentifier: UInt64 = 0
    /// Connects started (a host lookup included), the first one included.
    var connectsStarted = 0
    /// Admitted requests that have not returned yet (counted by the pool's owner).
    var requestsInFlight = 0
    /// Set when a drain began: connections are not kept idle any more.
    var isDraining = false
    /// Set when every connection was closed for good: nothing may connect again.
    var isShutDown = false
    /// `drain()` calls waiting for the pool to empty.
    var drainWaiters: [UnsafeContinuation<Void, Never>] = []
    // The reconnect back-off (`ConnectionPool+backOff.swift`).
    var consecutiveConnectFailures = 0
    var retryNotBefore: UInt64 = 0
    var lastConnectFailure: HTTPEngineError?

    init(
        upstream: Upstream,
        loop: EventLoop,
        settings: ConnectionPoolSettings,
        configuration: Connection.Configuration,
        resolver: HostResolver,
        owner: (any ConnectionPoolOwner)? = nil
    ) {
        self.upstream = upstream
        self.loop = loop
        self.settings = settings
        self.configuration = configuration
        self.resolver = resolver
        self.owner = owner
    }

    /// Whether nothing uses the pool: no request, no waiter, no connection.
    var isUnused: Bool {
        requestsInFlight == 0 && connections.isEmpty && waiters.isEmpty && pendingConnects.isEmpty
    }

    /// A connection for one request: an idle one of a leased pool (unless `isFresh`, used for a
    /// retry) or an open one of a shared pool with room, else a new one while under the cap,
    /// else a place in the queue (loop thread only). `deadline` (monotonic nanoseconds, 0 for
    /// none) ends the wait with `.requestTimeout`.
    func acquire(isFresh: Bool = false, deadline: UInt64 = 0) async throws -> Connection {
        loop.assertInEventLoop()
        // The usual case, a connection ready now, needs no suspension: without the continuation
        // and its escaping completion it costs no allocation.
        if !isFresh, !isShutDown, let connection = readyConnection() { return connection }
        let identifier = nextWaiterIdentifier
        nextWaiterIdentifier &+= 1
        let connection = try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                acquire(isFresh: isFresh, identifier: identifier, deadline: deadline) { continuation.resume(with: $0) }
            }
        } onCancel: {
            // Any thread; the queue is loop-only. Cancelled before it was queued, the waiter
            // is queued before this job runs (the caller is on the loop until it suspends).
            _ = loop.execute { [self] in cancelWaiter(identifier) }
        }
        // Back on the loop (the caller prefers it). A shared connection that comes this way comes
        // from a finished connect, which reserved this caller's place: the caller queues its
        // request now, without suspending, so the place is counted by the connection from here.
        if case .shared = settings.sharing { releaseReservedPlace(on: connection) }
        return connection
    }

    /// Ends one place reserved on `connection` for a requester of its connect.
    func releaseReservedPlace(on connection: Connection) {
        let key = ObjectIdentifier(connection)
        guard let places = reservedPlaces[key] else { return }
        reservedPlaces[key] = places > 1 ? places - 1 : nil
    }

    func acquire(isFresh: Bool, identifier: UInt64, deadline: UInt64, completion: @escaping Completion) {
        if isShutDown {
            completion(.failure(HTTPEngineError.shutDown))
            return
        }
        if !isFresh, let connection = readyConnection() {
            completion(.success(connection))
            return
        }
        if let connect = joinableConnect, joinConnect(connect, identifier: identifier, deadline: deadline, completion) { return }
        if openCount >= settings.maxConnections, isFresh, let spare = idle.first {
            // A retry must not reuse another possibly stale connection: trade an idle one for a new one.
            spare.close()
        }
        if openCount < settings.maxConnections {
            if let backingOff = backOffFailure() {
                completion(.failure(backingOff))
                return
            }
            openConnection(for: identifier, deadline: deadline, completion)
            return
        }
        enqueue(identifier: identifier, deadline: deadline, completion)
    }

    /// A connection that can take one more request now: the last idle one of a leased pool
    /// (leased to the caller), or the first open one of a shared pool with room.
    func readyConnection() -> Connection? {
        switch settings.sharing {
        case .leased:
            guard let connection = idle.popLast() else { return nil }
            connection.lease()
            return connection
        case .shared(let maxRequests):
            // Always the first with room, so a loop turn's requests pile onto one connection
            // and go out in one write; the next one opens only when that one is full.
            for connection in connections where !connection.isConnecting && connection.isAcceptingRequests
                && connection.carriedRequests + reservedPlaces[ObjectIdentifier(connection), default: 0] < maxRequests {
                return connection
            }
            return nil
        }
    }

    /// A leased connection finished an exchange and may be reused: a waiter gets it, else the idle list.
    func release(_ connection: Connection) {
        if isShutDown {
            connection.close()
            return
        }
        if serveFirstWaiter(with: connection) { return }
        // While draining, an idle connection would only wait to be closed.
        guard !isDraining, idle.count < settings.maxIdleConnections else {
            connection.close()
            return
        }
        connection.becomeIdle()
        idle.append(connection)
    }

    /// A connection closed: its slot goes to the first waiter, if any. `wasEstablished` says it
    /// had connected (and passed its setup); `setupFailure` is why it failed after connecting but
    /// before its setup was done, which counts as a failed connect for the back-off.
    func connectionClosed(_ connection: Connection, wasEstablished: Bool, setupFailure: HTTPEngineError? = nil) {
        connections.removeAll { $0 === connection }
        reservedPlaces[ObjectIdentifier(connection)] = nil
        if let index = idle.firstIndex(where: { $0 === connection }) { idle.remove(at: index) }
        if let setupFailure {
            recordConnectFailure(setupFailure)
        } else if wasEstablished {
            resetBackOff()
        }
        if !isShutDown, openCount < settings.maxConnections, let waiter = takeFirstWaiter() {
            openConnection(for: waiter.identifier, deadline: waiter.deadline, waiter.completion)
        }
        poolMayBeUnused()
    }

    /// Tells the owner the pool may be unused, and ends a drain once it is.
    func poolMayBeUnused() {
        owner?.poolMayBeUnused(upstream: upstream, isUnused: isUnused)
        if isUnused, !drainWaiters.isEmpty { finishDrain() }
    }

    /// The typed error for a failed connect.
    func connectError(errorNumber: Int32) -> HTTPEngineError {
        .connectFailure(to: upstream.description, errorNumber: errorNumber)
    }
}
