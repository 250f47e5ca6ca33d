/// How a thrown error is answered, and where the errors worth reporting go.
enum HandlerErrorAnswer {
    /// Receives the errors that are answered 500, with the failed request's head; the
    /// server binds its `onHandlerError` for its handler tasks. Nil: nothing is reported.
    @TaskLocal static var reporter: (@Sendable (any Error, HTTPRequestHead) -> Void)?

    /// An `HTTPError`'s status and message, or an empty 500 for any other error, which is
    /// reported. Each thrown error passes here once: afterwards it is a response.
    static func response(to error: any Error, for head: HTTPRequestHead) -> HTTPResponse {
        if let error = error as? HTTPError {
            return .text(error.status, error.message)
        }
        // A cancelled task means the client is gone: what the handler threw then is a
        // consequence, not news (reporting it would log every disconnect).
        if !Task.isCancelled { reporter?(error, head) }
        return .text(.internalServerError, "")
    }
}
