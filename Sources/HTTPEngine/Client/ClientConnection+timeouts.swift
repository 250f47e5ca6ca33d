extension ClientConnection {
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
            let isUpstreamOwing = outboundStart < outbound.count
                || (!hasResponseHead && isRequestSent)
                || (hasResponseHead && !isResponseComplete && !isBodyPaused)
            return isUpstreamOwing ? lastActivityAt &+ configuration.responseTimeout.nanoseconds : 0
        case .closed:
            return 0
        }
    }

    /// Arms the timer if the deadline is earlier than the armed one; a later
    /// deadline needs nothing, as the armed timer re-checks when it fires.
    func refreshDeadline() {
        let deadline = currentDeadline
        guard deadline != 0 else { return }
        if armedTimer != nil, armedDeadline <= deadline { return }
        if let armedTimer { loop.cancelTimer(armedTimer) }
        armedDeadline = deadline
        armedTimer = loop.scheduleTimer(atNanoseconds: deadline) { [self] in timerFired() }
    }

    func timerFired() {
        armedTimer = nil
        guard state != .closed else { return }
        let deadline = currentDeadline
        if deadline != 0, deadline <= EventLoop.monotonicNanoseconds() {
            handleTimeout()
        }
        afterEvent()
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
