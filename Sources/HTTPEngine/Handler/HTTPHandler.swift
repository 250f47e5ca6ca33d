/// Answers one request; the server calls it on the event loop that owns the connection.
public protocol HTTPHandler: Sendable {
    /// Returns the response for `request`; a thrown `HTTPError` becomes its status,
    /// any other error a 500, answered where the middleware around this handler sees it.
    func handle(_ request: HTTPRequest) async throws -> HTTPResponse

    /// Answers `request` on the spot, without suspending, when the handler can; nil sends the
    /// request, with any change made here, to `handle`. The server asks this first, on the loop
    /// thread, for requests without a body (one with a body goes to `handle` unasked).
    ///
    /// For answers that need nothing to wait for (a fixed page, a health check, a refusal made
    /// from memory) this skips the handler task's resumption, its scheduling and its async
    /// frames: a third of the engine's own CPU per request in `HelloServer`. Work done here
    /// before a nil answer must not be repeated by `handle`: leave its result in the request
    /// (its `context`, say) for `handle` to use, or do it in `handle` only. The default is nil.
    func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse?

    /// Starts answering `request` from event-loop callbacks instead of a task: returns true once
    /// it has arranged for `responder` to get the answer later; false leaves the request to
    /// `handle`, so decide before starting any work. Asked on the loop thread after
    /// `respondImmediately` gave nil, for the same requests (no body), with the request as
    /// `respondImmediately` left it.
    ///
    /// For answers that wait on other I/O driven by the same loop (a proxy's upstream exchange
    /// through `HTTPClient.start`): the handler task's suspension and resumption per request
    /// are what this saves. The default is false.
    func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool
}

extension HTTPHandler {
    public func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? { nil }

    public func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool { false }
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
