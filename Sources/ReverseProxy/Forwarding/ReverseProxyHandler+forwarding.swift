import HTTPEngine

extension ReverseProxyHandler {
    /// Sends `request` to a backend of `pool`, trying a second backend once when the first
    /// failed in a way that is safe to repeat; returns the backend's response head.
    /// Throws `ProxyFailure` (a CancellationError passes through: the client is gone).
    func forward(_ request: HTTPRequest, to pool: BackendPool, requestID: HTTPRequestID?) async throws -> HTTPClientResponse {
        let body = request.head.bodyFraming == .none || request.head.bodyFraming == .length(0)
            ? nil : ObservedRequestBody(request.body)
        // The backend of the first try; a set is built only for the second (inserting into one cost an allocation per request).
        var firstTried: Int?
        var lastFailure: ProxyFailure?
        while let index = pool.select(excluding: firstTried.map { [$0] } ?? []) {
            let backend = pool.backends[index]
            do {
                let response = try await client.execute(upstreamRequest(for: request, to: backend, requestID: requestID, body: body), on: request.eventLoop)
                pool.recordPassiveSuccess(at: index)
                return response
            } catch let error as HTTPEngineError {
                let failure = assess(error, from: index, of: pool, for: request.method, hasReadBody: body?.hasBeenRead ?? false, isFirstTry: firstTried == nil)
                lastFailure = failure.answer
                guard failure.isWorthRetrying else { break }
                firstTried = index
            }
        }
        throw lastFailure ?? ProxyFailure.noHealthyBackend(pool: pool.name)
    }

    /// What goes to `backend` for `request`: its rewritten fields, the body streamed through
    /// (`body`, nil for none) and the proxy's upstream time-out.
    func upstreamRequest(for request: HTTPRequest, to backend: Backend, requestID: HTTPRequestID?, body: ObservedRequestBody?) -> HTTPClientRequest {
        var upstream = HTTPClientRequest(
            method: request.method,
            host: backend.host,
            port: backend.port,
            target: request.target,
            headers: configuration.forwarding.upstreamHeaders(for: request, backend: backend, requestID: requestID),
            body: body.map { .stream($0, length: request.body.expectedLength) } ?? .empty
        )
        upstream.timeout = configuration.upstreamTimeout
        return upstream
    }

    /// Records a failed try against its backend (passive health) and says what to answer and
    /// whether a second backend may get the request.
    func assess(
        _ error: HTTPEngineError,
        from index: Int,
        of pool: BackendPool,
        for method: HTTPMethod,
        hasReadBody: Bool,
        isFirstTry: Bool
    ) -> (answer: ProxyFailure, isWorthRetrying: Bool) {
        if error.showsBackendDown { pool.recordPassiveFailure(at: index, error.description) }
        return (ProxyFailure(error, backend: pool.backends[index]), isFirstTry && error.allowsRetry(method: method, hasReadBody: hasReadBody))
    }
}

extension ProxyFailure: Error {}

extension HTTPEngineError {
    /// A failure that says the backend is not serving: nothing accepted the connection, or it
    /// was closed or reset before any response. (A time-out waiting for an answer says only
    /// that it is slow, and a slow backend should not lose all its traffic at once.)
    var showsBackendDown: Bool {
        switch code {
        case .connectRefused, .connectFailed, .connectTimeout, .connectionClosed: true
        default: false
        }
    }

    /// Whether the request may go to another backend: never sent (connect failed), or reset
    /// before any answer while idempotent and with no body byte taken from the client.
    func allowsRetry(method: HTTPMethod, hasReadBody: Bool) -> Bool {
        switch code {
        case .connectRefused, .connectFailed, .connectTimeout:
            true
        case .connectionClosed:
            method.isIdempotent && !hasReadBody
        default:
            false
        }
    }
}
