/// How a thrown error is answered, and where the errors worth reporting go.
///
/// The reporter travels with the request (`HTTPRequest.errorReporter`, set by the server from
/// its `onHandlerError`). A task-local bound around the connection's handler loop was the first
/// design; release builds of Swift 6.3 crashed in `swift_task_localValuePush` on the first
/// request with it (a task-local pushed inside a task with an executor preference), while debug
/// builds and every test passed.
enum HandlerErrorAnswer {
    /// An `HTTPError`'s status and message, or an empty 500 for any other error, which is
    /// reported. Each thrown error passes here once: afterwards it is a response.
    static func response(to error: any Error, for request: HTTPRequest) -> HTTPResponse {
        if let error = error as? HTTPError {
            return .text(error.status, error.message)
        }
        // A cancelled task means the client is gone: what the handler threw then is a
        // consequence, not news (reporting it would log every disconnect).
        if !Task.isCancelled { request.errorReporter?(error, request.head) }
        return clientGone
    }

    /// What a request whose client left gets (a half-closed client still reads it), the empty
    /// 500 of a cancelled `handle`; not reported, for the reason above.
    static var clientGone: HTTPResponse { .text(.internalServerError, "") }
}
