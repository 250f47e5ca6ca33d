extension ClientConnection: DeadlineTimedConnection {
    var isClosed: Bool { state == .closed }

    /// The instant the current wait times out, or 0 when nothing is owed by the upstream.
    var currentDeadline: UInt64 {
        switch state {
        case .connecting:
            return stateStartedAt &+ spans.connect
        case .idle:
            return stateStartedAt &+ spans.idle
        case .active:
            // The upstream is silent while it should take our bytes or answer; a slow
            // request-body source or a paused body consumer is not its fault.
            let isUpstreamOwing = !core.outbound.isEmpty
                || (!hasResponseHead && isRequestSent)
                || (hasResponseHead && !isResponseComplete && !isBodyPaused)
            let silence = isUpstreamOwing ? lastActivityAt &+ spans.response : 0
            // The request's total limit runs until the head, even while a slow body source holds it up.
            guard isExchangeDeadlineRunning else { return silence }
            return silence == 0 ? exchangeDeadline : min(silence, exchangeDeadline)
        case .closed:
            return 0
        }
    }

    /// Whether the request's own time-out still applies: it has one and no final head came yet.
    var isExchangeDeadlineRunning: Bool { exchangeDeadline != 0 && !hasResponseHead }

    func handleTimeout() {
        switch state {
        case .connecting:
            fail(HTTPEngineError.connectTimeout(to: pool.upstream.description, limit: configuration.connectTimeout))
        case .idle:
            close()
        case .active:
            let isPastExchangeDeadline = isExchangeDeadlineRunning && exchangeDeadline <= EventLoop.monotonicNanoseconds()
            fail(isPastExchangeDeadline
                ? HTTPEngineError.requestTimeout
                : HTTPEngineError.responseTimeout(from: pool.upstream.description, limit: configuration.responseTimeout))
        case .closed:
            break
        }
    }
}

/// A client connection's time-outs in nanoseconds, converted once per connection (see
/// `ServerTimeoutSpans`).
struct ClientTimeoutSpans {
    let connect: UInt64
    let idle: UInt64
    let response: UInt64

    init(_ configuration: HTTPClientConfiguration) {
        connect = configuration.connectTimeout.nanoseconds
        idle = configuration.idleTimeout.nanoseconds
        response = configuration.responseTimeout.nanoseconds
    }
}
