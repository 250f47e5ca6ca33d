import HTTPEngine

/// One request without a body forwarded from event-loop callbacks: the `respondLater` form of
/// `ReverseProxyHandler.forward`, with the same backend choice, passive health and one retry.
///
/// A class because the upstream's completion and the client's cancellation both reach it
/// later. `@unchecked Sendable`: both run on the client connection's loop (the client's
/// `start` completes there, and cancellations run there), which owns all its state.
final class ForwardingAttempt: @unchecked Sendable {
    let proxy: ReverseProxyHandler
    let request: HTTPRequest
    let pool: BackendPool
    let requestID: HTTPRequestID?
    let responder: HTTPResponder
    /// The backend of the first try, excluded from the second.
    var firstTried: Int?
    var lastFailure: ProxyFailure?
    var exchange: HTTPClientExchange?
    /// The backend the current try went to.
    var backend = 0

    init(proxy: ReverseProxyHandler, request: HTTPRequest, pool: BackendPool, requestID: HTTPRequestID?, responder: HTTPResponder) {
        self.proxy = proxy
        self.request = request
        self.pool = pool
        self.requestID = requestID
        self.responder = responder
    }

    func start() {
        // The client left: the upstream exchange is closed (a half-done one cannot be reused).
        // The server then answers what a cancelled `handle` would, for a client that only half-closed.
        responder.onCancel { [self] in exchange?.cancel() }
        tryNextBackend()
    }

    func tryNextBackend() {
        guard let index = pool.select(excluding: firstTried.map { [$0] } ?? []) else {
            return responder.respond(proxy.answer(lastFailure ?? .noHealthyBackend(pool: pool.name), requestID: requestID))
        }
        let upstream = proxy.upstreamRequest(for: request, to: pool.backends[index], requestID: requestID, body: nil)
        backend = index
        // The attempt itself gets the outcome: a closure capturing it cost an allocation per request.
        exchange = proxy.client.start(upstream, for: self)
    }
}

extension ForwardingAttempt: HTTPClientResponseReceiver {
    /// The current try's outcome: the response streamed back, or the next backend, or an error answer.
    func received(_ outcome: consuming Result<HTTPClientResponse, any Error>) {
        let index = backend
        exchange = nil
        switch consume outcome {
        case .success(let response):
            pool.recordPassiveSuccess(at: index)
            responder.respond(proxy.streamedBack(consume response, for: request, requestID: requestID))
        case .failure(let error as HTTPEngineError):
            let failure = proxy.assess(error, from: index, of: pool, for: request.method, hasReadBody: false, isFirstTry: firstTried == nil)
            lastFailure = failure.answer
            guard failure.isWorthRetrying else {
                return responder.respond(proxy.answer(failure.answer, requestID: requestID))
            }
            firstTried = index
            tryNextBackend()
        case .failure(let error):
            // Not expected (a cancelled exchange does not complete); answered all the same,
            // and dropped by the server if the client is gone.
            responder.respond(proxy.answer(ProxyFailure(status: .badGateway, code: "bad_gateway", message: "\(error)"), requestID: requestID))
        }
    }
}
