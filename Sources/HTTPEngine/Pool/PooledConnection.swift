/// A connection a `ConnectionPool` opens, hands out and closes: the HTTP client's
/// `ClientConnection` (leased to one exchange at a time) and the pipelined client's
/// `PipelinedConnection` (shared by many requests at once).
///
/// Conformers are final, loop-confined classes. The pool is generic over its connection type
/// rather than holding `any PooledConnection`, so each client's pool is specialized and the
/// hot path (an idle or shared connection handed out) makes no dynamic call.
protocol PooledConnection: AnyObject, Sendable, EventLoopFileDescriptorHandler {
    /// What every connection of one pool shares beside the pool's policy: the HTTP client's
    /// configuration, or a pipelined protocol's time-outs, setup and statistics.
    associatedtype Configuration

    /// A connection with no socket yet; the pool starts its connect through `core` right after
    /// and then calls `finishConnect` or `afterEvent`.
    init(pool: ConnectionPool<Self>)

    /// The socket, its buffers and its registration with the loop.
    var core: ConnectionCore { get set }

    /// Called once with the connect's outcome, then cleared; set by the pool.
    var connectCompletion: ((Result<Self, HTTPEngineError>) -> Void)? { get set }

    /// Checks the outcome of the connect and reports it through `connectCompletion`.
    func finishConnect()

    /// Re-evaluates epoll interest and the time-out after any state change.
    func afterEvent()

    /// Whether the TCP connect is still under way (the connection belongs to its requesters).
    var isConnecting: Bool { get }

    /// Requests the connection carries now: 0 or 1 for an exchange, the replies awaited for a pipeline.
    var carriedRequests: Int { get }

    /// Whether it may take another request: neither closed nor closing once drained.
    var isAcceptingRequests: Bool { get }

    /// Takes an idle connection out of the idle list for one request (leased pools only).
    func lease()

    /// Parks a connection that finished its exchange in the idle list (leased pools only).
    func becomeIdle()

    /// Closes the socket at once; whatever waits on it fails.
    func close()

    /// Stops taking requests and closes as soon as it carries none (at once if it carries none).
    func closeWhenDrained()

    /// Fails whatever it carries with `.shutDown` and closes.
    func failForShutdown()
}

extension PooledConnection {
    // A shared connection is never idle-listed: it stays in the pool's open list, idle or not.
    func lease() {}
    func becomeIdle() {}
}

/// The holder of a client's pools, told when one may be trimmed and when the loop exits.
protocol ConnectionPoolOwner: AnyObject {
    /// The pool for `upstream` may be unused (`isUnused` is what it found itself): drop it if so
    /// (loop thread only).
    func poolMayBeUnused(upstream: Upstream, isUnused: Bool)
    /// Closes every pool of the loop for good.
    func closeAll()
}
