/// Takes the answer to one request that a handler gives later, from a callback, instead of
/// returning it from `handle`: what `HTTPHandler.respondLater(to:with:)` gets.
///
/// Single use: `respond` once per request, from any thread (off the connection's loop it
/// hops there). A second `respond` for the same request stops the process with a message,
/// since one of the two answers would be lost silently otherwise. A responder dropped without
/// an answer leaves the request unanswered, like a `handle` that never returns: the client's
/// own time-out ends it. If the client goes first, the handler hears it (`onCancel`) and, unless
/// it answers there, the server answers what a cancelled `handle` does by default (an empty
/// 500, which a half-closed client still receives); an answer after that is dropped.
public struct HTTPResponder: Sendable {
    let connection: ServerConnection
    let requestNumber: UInt64
    /// Middleware steps, innermost first.
    let transform: (@Sendable (consuming HTTPResponse) -> HTTPResponse)?

    init(connection: ServerConnection, requestNumber: UInt64) {
        self.connection = connection
        self.requestNumber = requestNumber
        transform = nil
    }

    private init(connection: ServerConnection, requestNumber: UInt64, transform: @escaping @Sendable (consuming HTTPResponse) -> HTTPResponse) {
        self.connection = connection
        self.requestNumber = requestNumber
        self.transform = transform
    }

    /// The loop that owns the client connection, where `respond` is cheapest.
    public var eventLoop: EventLoop { connection.loop }

    /// Sends `response` (after the steps middleware added) as the request's answer.
    // Consuming, and so are the steps: a step that edits the fields (a limiter adding its own)
    // then owns the only reference to their buffer; borrowed, the edit copied it first.
    public func respond(_ response: consuming HTTPResponse) {
        guard let transform else { return apply(.answer(response)) }
        apply(.answer(transform(response)))
    }

    /// A responder that applies `step` to the answer before the steps already here: how
    /// middleware post-processes an answer given later, as its `handle` does with `next`'s.
    public func mappingResponse(_ step: @escaping @Sendable (consuming HTTPResponse) -> HTTPResponse) -> HTTPResponder {
        guard let outer = transform else { return HTTPResponder(connection: connection, requestNumber: requestNumber, transform: step) }
        return HTTPResponder(connection: connection, requestNumber: requestNumber) { outer(step($0)) }
    }

    /// Runs `action` if the client goes away (closes, half-closes with nothing pipelined, or the
    /// exchange ends with an error answer) before the answer: the place to cancel the work that
    /// would produce it. Called at most once, on the loop, at the end of its turn; setting it
    /// again replaces the last one.
    public func onCancel(_ action: @escaping @Sendable () -> Void) {
        apply(.cancellation(action))
    }

    /// What the handler hands the connection.
    enum Event: Sendable {
        case answer(HTTPResponse)
        case cancellation(@Sendable () -> Void)
    }

    /// Gives `event` to the connection on its loop: at once from there, else after a hop.
    private func apply(_ event: Event) {
        let connection = connection
        let number = requestNumber
        guard connection.loop.inEventLoop else {
            _ = connection.loop.execute { connection.receive(event, requestNumber: number) }
            return
        }
        connection.receive(event, requestNumber: number)
    }
}
