import Glibc

/// Keep-alive connections to one upstream from one event loop, with a cap on open
/// connections, a cap on idle ones and a bounded queue of waiting requests.
///
/// `@unchecked Sendable`: all state is touched only on `loop`'s thread (the client
/// pins its tasks to the loop; connections call back from loop callbacks). One pool
/// per loop keeps it lock-free, at the price of connections not being shared across loops.
final class ConnectionPool: @unchecked Sendable {
    /// Gets a connection or why there is none: an `HTTPClientError`, or `CancellationError`
    /// for a queued request whose task was cancelled.
    typealias Completion = (Result<ClientConnection, any Error>) -> Void

    /// A request queued for a connection, failed with `poolExhausted` when its timer fires.
    struct Waiter {
        let identifier: UInt64
        let timer: EventLoopTimer
        let completion: Completion
    }

    let upstream: Upstream
    let loop: EventLoop
    let configuration: HTTPClientConfiguration
    /// Resolved once, when the pool is created.
    let address: Result<SocketAddress, HTTPClientError>
    /// Idle connections; the most recently used is last and is reused first.
    var idle: [ClientConnection] = []
    /// Connections connecting, leased or idle.
    var openCount = 0
    var waiters: [Waiter] = []
    var nextWaiterIdentifier: UInt64 = 0
    var isShutDown = false

    init(upstream: Upstream, loop: EventLoop, configuration: HTTPClientConfiguration) {
        self.upstream = upstream
        self.loop = loop
        self.configuration = configuration
        address = Result { () throws(HTTPClientError) in try upstream.resolve() }
    }

    /// A connection for one request: an idle one (unless `isFresh`, used for a retry),
    /// a new one while under the cap, else a place in the queue (loop thread only).
    func acquire(isFresh: Bool) async throws -> ClientConnection {
        loop.assertInEventLoop()
        let identifier = nextWaiterIdentifier
        nextWaiterIdentifier &+= 1
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                acquire(isFresh: isFresh, identifier: identifier) { continuation.resume(with: $0) }
            }
        } onCancel: {
            // Any thread; the queue is loop-only. Cancelled before it was queued, the waiter
            // is queued before this job runs (the caller is on the loop until it suspends).
            _ = loop.execute { [self] in cancelWaiter(identifier) }
        }
    }

    func acquire(isFresh: Bool, identifier: UInt64, completion: @escaping Completion) {
        if isShutDown {
            completion(.failure(HTTPClientError.shutDown))
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
            openConnection(completion)
            return
        }
        guard waiters.count < configuration.maxWaitingRequests else {
            completion(.failure(HTTPClientError.poolExhausted(upstream: upstream.description)))
            return
        }
        let timer = loop.scheduleTimer(after: configuration.connectTimeout) { [self] in
            guard let index = waiters.firstIndex(where: { $0.identifier == identifier }) else { return }
            let waiter = waiters.remove(at: index)
            waiter.completion(.failure(HTTPClientError.poolExhausted(upstream: upstream.description)))
        }
        waiters.append(Waiter(identifier: identifier, timer: timer, completion: completion))
    }

    /// A queued request's task was cancelled: it leaves the queue at once, instead of
    /// holding its place until a connection or `connectTimeout` comes.
    func cancelWaiter(_ identifier: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.identifier == identifier }) else { return }
        let waiter = waiters.remove(at: index)
        loop.cancelTimer(waiter.timer)
        waiter.completion(.failure(CancellationError()))
    }

    func openConnection(_ completion: @escaping Completion) {
        switch address {
        case .failure(let error):
            completion(.failure(error))
        case .success(let address):
            ClientConnection.connect(to: address, pool: self) { completion($0.mapError { $0 }) }
        }
    }

    /// Counts a connection whose socket is registered; `connectionClosed` undoes it.
    func connectionOpened(_ connection: ClientConnection) {
        openCount += 1
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
        guard idle.count < configuration.maxIdleConnectionsPerUpstream else {
            connection.close()
            return
        }
        connection.becomeIdle()
        idle.append(connection)
    }

    /// A connection closed: its slot goes to the first waiter, if any.
    func connectionClosed(_ connection: ClientConnection) {
        openCount -= 1
        if let index = idle.firstIndex(where: { $0 === connection }) { idle.remove(at: index) }
        guard !isShutDown, !waiters.isEmpty, openCount < configuration.maxConnectionsPerUpstream else { return }
        let waiter = waiters.removeFirst()
        loop.cancelTimer(waiter.timer)
        openConnection(waiter.completion)
    }

    /// Closes idle connections and fails waiters; leased connections close after their exchange.
    func shutdown() {
        isShutDown = true
        for connection in idle { connection.close() }
        let waiters = waiters
        self.waiters = []
        for waiter in waiters {
            loop.cancelTimer(waiter.timer)
            waiter.completion(.failure(HTTPClientError.shutDown))
        }
    }

    /// The typed error for a failed connect.
    func connectError(errorNumber: Int32) -> HTTPClientError {
        errorNumber == ECONNREFUSED
            ? .connectRefused(upstream: upstream.description)
            : .connectFailed(upstream: upstream.description, errorNumber: errorNumber)
    }
}
