import Synchronization
import HTTPEngine
import V5ProductionLimiter

/// Builds in-process requests as if they arrived from `peer`.
enum TestRequests {
    static let serverAddress = SocketAddress(host: "127.0.0.1", port: 8080)!

    static func request(
        from peer: String = "203.0.113.7",
        path: String = "/items",
        headers: [(String, String)] = []
    ) -> HTTPRequest {
        HTTPRequest(
            head: HTTPRequestHead(method: .get, target: path, headers: HTTPHeaders(headers)),
            remoteAddress: SocketAddress(host: peer, port: 40_000)!,
            localAddress: serverAddress
        )
    }
}

/// The handler behind the middleware in tests: counts calls and answers 200 with a marker header.
struct CountingHandler: HTTPHandler {
    let calls = Counter()

    func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        calls.increment()
        return HTTPResponse(status: .ok, headers: HTTPHeaders([("X-Handled", "yes")]), body: .init(string: "ok"))
    }
}

/// A thread-safe counter for handler calls.
final class Counter: Sendable {
    private let storage = Atomic<Int>(0)
    func increment() { storage.add(1, ordering: .relaxed) }
    var value: Int { storage.load(ordering: .relaxed) }
}
