import HTTPEngine
import ReverseProxy
import Synchronization

/// The proxy handler in force, replaced whole by a reload: requests already running keep the
/// handler they started with (and its connections), new ones get the new routes.
final class ReloadableHandler: HTTPHandler {
    private let current: Mutex<ReverseProxyHandler>

    init(_ handler: ReverseProxyHandler) {
        current = Mutex(handler)
    }

    var handler: ReverseProxyHandler { current.withLock { $0 } }

    func replace(with handler: ReverseProxyHandler) {
        current.withLock { $0 = handler }
    }

    func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await handler.handle(request)
    }
}
