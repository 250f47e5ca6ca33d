/// Answers one request; the server calls it on the event loop that owns the connection.
public protocol HTTPHandler: Sendable {
    /// Returns the response for `request`; a thrown `HTTPError` becomes its status,
    /// any other error a 500, answered where the middleware around this handler sees it.
    func handle(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// A handler made from a closure, handy for tests and small servers.
public struct HTTPClosureHandler: HTTPHandler {
    let body: @Sendable (HTTPRequest) async throws -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        self.body = body
    }

    public func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await body(request)
    }
}

/// An error that carries the status the client should see.
public struct HTTPError: Error, Sendable, Equatable {
    public var status: HTTPStatus
    public var message: String

    public init(_ status: HTTPStatus, message: String = "") {
        self.status = status
        self.message = message
    }
}
