/// Wraps a handler: inspect or change the request, answer early, or post-process the response.
public protocol HTTPMiddleware: Sendable {
    /// Handles `request`, calling `next` to continue down the chain (or not, to answer early).
    ///
    /// In a `MiddlewareHandler` (`wrapped(in:)`), `next` does not throw what the handler
    /// throws: it returns the answer the server would send (an `HTTPError`'s status, else
    /// 500), so post-processing applies to error answers too.
    func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse

    /// The middleware's part in `HTTPHandler.respondImmediately(to:)`: an answer without
    /// suspending (its own, or `next`'s post-processed), or nil to run the chain through
    /// `handle` with `request` as left here; the same rule on work done before a nil. The
    /// default is nil, so a middleware that does not know about this path sends every request
    /// the async way, as it always did.
    func respondImmediately(to request: inout HTTPRequest, next: any HTTPHandler) -> HTTPResponse?
    /// The middleware's part in `HTTPHandler.respondLater(to:with:)`: usually `next`'s answer,
    /// post-processed by a step added with `responder.mappingResponse(_:)`, or its own answer
    /// to `responder`; false runs the chain through `handle`. The default is false, for the
    /// same reason as above.
    func respondLater(to request: HTTPRequest, with responder: HTTPResponder, next: any HTTPHandler) -> Bool
}

extension HTTPMiddleware {
    public func respondImmediately(to request: inout HTTPRequest, next: any HTTPHandler) -> HTTPResponse? { nil }

    public func respondLater(to request: HTTPRequest, with responder: HTTPResponder, next: any HTTPHandler) -> Bool { false }
}

/// A handler that runs `middleware` in front of `next`, giving it errors `next` throws as responses.
public struct MiddlewareHandler<Middleware: HTTPMiddleware, Next: HTTPHandler>: HTTPHandler {
    public let middleware: Middleware
    public let next: Next

    public init(middleware: Middleware, next: Next) {
        self.middleware = middleware
        self.next = next
    }

    public func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await middleware.handle(request, next: ErrorAnsweringHandler(wrapped: next))
    }

    public func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
        middleware.respondImmediately(to: &request, next: ErrorAnsweringHandler(wrapped: next))
    }

    public func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool {
        middleware.respondLater(to: request, with: responder, next: ErrorAnsweringHandler(wrapped: next))
    }
}

extension HTTPHandler {
    /// This handler behind `middleware`: `handler.wrapped(in: a).wrapped(in: b)` runs b, then a, then handler.
    public func wrapped<Middleware: HTTPMiddleware>(in middleware: Middleware) -> MiddlewareHandler<Middleware, Self> {
        MiddlewareHandler(middleware: middleware, next: self)
    }
}
