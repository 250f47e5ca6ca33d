/// Runs a handler and answers what it throws the way the server does, so the error
/// becomes a response that middleware around it can still post-process.
///
/// `MiddlewareHandler` hands its middleware this as `next`: a middleware's own fields
/// (rate-limit fields, say) reach answers to thrown errors too. The server applies the same
/// answer to whatever the outermost layer throws.
struct ErrorAnsweringHandler<Wrapped: HTTPHandler>: HTTPHandler {
    let wrapped: Wrapped

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        do {
            return try await wrapped.handle(request)
        } catch {
            return HandlerErrorAnswer.response(to: error, for: request)
        }
    }

    func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
        wrapped.respondImmediately(to: &request)
    }

    func respondLater(to request: HTTPRequest, with responder: HTTPResponder) -> Bool {
        wrapped.respondLater(to: request, with: responder)
    }
}
