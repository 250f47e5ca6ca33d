extension ClientConnection: DeadlineTimedConnection {
    var isClosed: Bool { state == .closed }

    /// The instant the current wait times out, or 0 when nothing is owed by the upstream.
    var currentDeadline: UInt64 {
        switch state {
        case .connecting:
            return stateStartedAt &+ configuration.connectTimeout.nanoseconds
        case .idle:
            return stateStartedAt &+ configuration.idleTimeout.nanoseconds
        case .active:
            // The upstream is silent while it should take our bytes or answer; a slow
            // request-body source or a paused body consumer is not its fault.
            let isUpstreamOwing = !outbound.isEmpty
                || (!hasResponseHead && isRequestSent)
                || (hasResponseHead && !isResponseComplete && !isBodyPaused)
            return isUpstreamOwing ? lastActivityAt &+ configuration.responseTimeout.nanoseconds : 0
        case .closed:
            return 0
        }
    }

    func handleTimeout() {
        switch state {
        case .connecting:
            fail(HTTPClientError.connectTimeout(upstream: pool.upstream.description))
        case .idle:
            close()
        case .active:
            fail(HTTPClientError.responseTimeout)
        case .closed:
            break
        }
    }
}
