/// Wraps a handler: inspect or change the request, answer early, or post-process the response.
public protocol HTTPMiddleware: Sendable {
    /// Handles `request`, calling `next` to continue down the chain (or not, to answer early).
    ///
    /// In a `MiddlewareHandler` (`wrapped(in:)`), `next` does not throw what the handler
    /// throws: it returns the answer the server would send (an `HTTPError`'s status, else
    /// 500), so post-processing applies to error answers too.
    func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse
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
}

extension HTTPHandler {
    /// This handler behind `middleware`: `handler.wrapped(in: a).wrapped(in: b)` runs b, then a, then handler.
    public func wrapped<Middleware: HTTPMiddleware>(in middleware: Middleware) -> MiddlewareHandler<Middleware, Self> {
        MiddlewareHandler(middleware: middleware, next: self)
    }
}
