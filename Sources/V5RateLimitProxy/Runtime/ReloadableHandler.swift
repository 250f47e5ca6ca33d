import HTTPEngine
import ReverseProxy

/// The proxy handler in force, replaced whole by a reload: requests already running keep the
/// handler they started with (and its connections), new ones get the new routes.
///
/// Also runs the active health checks of the handler in force: a reload that changes a pool's
/// `healthCheck` (or its backends) must check the new pools, and stop checking the old ones,
/// whose state no request reads any more.
final class ReloadableHandler: HTTPHandler {
    /// Read by every request, so each loop reads its own copy (see `ReadMostly`).
    private let current: ReadMostly<ReverseProxyHandler>
    /// The health checks of the handler in force; its lock also orders replacements.
    // `Locked`, not a bare `Mutex`: a reload and a shutdown can meet here, and TSan cannot see a
    // contended `Mutex` hand over.
    private let healthChecks: Locked<Task<Void, Never>?>

    /// `handler` in force; its health checks start at once.
    init(_ handler: ReverseProxyHandler) {
        current = ReadMostly(handler)
        healthChecks = Locked(Self.startHealthChecks(of: handler))
    }

    var handler: ReverseProxyHandler { current.value }

    /// Puts `handler` in force, starts its health checks and stops the previous handler's.
    func replace(with handler: ReverseProxyHandler) {
        let fresh = Self.startHealthChecks(of: handler)
        let previous = healthChecks.withLock { checks in
            // Under this lock, so two replacements cannot leave one's handler with the other's checks.
            current.replace(with: handler)
            defer { checks = fresh }
            return checks
        }
        previous?.cancel()
    }

    /// Stops the health checks, for shutdown.
    func stopHealthChecks() {
        healthChecks.withLock { $0 }?.cancel()
    }

    func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await handler.handle(request)
    }

    func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool {
        handler.respondLater(to: request, with: responder)
    }

    private static func startHealthChecks(of handler: ReverseProxyHandler) -> Task<Void, Never> {
        let checker = handler.makeHealthChecker()
        return Task { await checker.run() }
    }
}
