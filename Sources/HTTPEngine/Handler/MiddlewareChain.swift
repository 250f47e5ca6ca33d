/// Middleware listed in the order they run, in front of a handler:
/// `MiddlewareChain([logging, limiting], handler: proxy)` runs logging, then limiting, then proxy.
///
/// The same as `proxy.wrapped(in: limiting).wrapped(in: logging)`, which reads inside out; a list
/// reads as the request travels. Each layer gets what inner layers throw as a response
/// (`ErrorAnsweringHandler`), so post-processing sees error answers too. Layers are existentials
/// here, one witness call each; the generic `wrapped(in:)` form specialises them instead.
public struct MiddlewareChain: HTTPHandler {
    private let first: any HTTPHandler

    public init(_ layers: [any HTTPMiddleware], handler: some HTTPHandler) {
        var next: any HTTPHandler = handler
        for layer in layers.reversed() { next = Layer(middleware: layer, next: Self.answeringErrors(next)) }
        first = next
    }

    public func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await first.handle(request)
    }

    public func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
        first.respondImmediately(to: &request)
    }

    public func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool {
        first.respondLater(to: request, with: responder)
    }

    /// `handler` with its thrown errors turned into answers (opens the existential for the generic wrapper).
    private static func answeringErrors(_ handler: some HTTPHandler) -> any HTTPHandler {
        ErrorAnsweringHandler(wrapped: handler)
    }

    private struct Layer: HTTPHandler {
        let middleware: any HTTPMiddleware
        /// The rest of the chain, already answering its errors.
        let next: any HTTPHandler

        func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
            try await middleware.handle(request, next: next)
        }

        func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
            middleware.respondImmediately(to: &request, next: next)
        }

        func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool {
            middleware.respondLater(to: request, with: responder, next: next)
        }
    }
}
