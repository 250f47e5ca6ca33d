extension ServerConnection {
    /// The instant the current phase times out, or 0 when nothing is being waited for.
    var currentDeadline: UInt64 {
        if outboundStart < outbound.count { return lastWriteProgressAt &+ configuration.writeTimeout.nanoseconds }
        switch phase {
        case .idle:
            let limit = isFirstRequest ? configuration.headerReadTimeout : configuration.idleTimeout
            return phaseStartedAt &+ limit.nanoseconds
        case .readingHead:
            return phaseStartedAt &+ configuration.headerReadTimeout.nanoseconds
        case .handling:
            // Only a client that owes body bytes we are ready to take can stall us;
            // a slow handler or a paused reader is not the client's fault.
            guard !isRequestBodyComplete, !isBodyPaused, !isContinuePending else { return 0 }
            return lastReadAt &+ configuration.idleTimeout.nanoseconds
        case .closing:
            return 0
        case .lingering:
            return lingerDeadline
        case .closed:
            return 0
        }
    }

    /// Arms the connection's timer if the deadline is earlier than the armed one.
    /// A later deadline needs nothing: the armed timer re-checks when it fires.
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
        guard phase != .closed else { return }
        let deadline = currentDeadline
        if deadline != 0, deadline <= EventLoop.monotonicNanoseconds() {
            handleTimeout()
        }
        afterEvent()
    }

    /// Idle keep-alive connections close quietly; a head not complete in time (including a new
    /// connection's first one, bytes or not) gets 408; a stalled write or body is dropped.
    func handleTimeout() {
        if outboundStart < outbound.count {
            close()
            return
        }
        switch phase {
        case .idle where isFirstRequest:
            sendErrorAndClose(.requestTimeout)
        case .idle, .lingering, .closing, .closed:
            close()
        case .readingHead:
            sendErrorAndClose(.requestTimeout)
        case .handling:
            bodyChannel?.fail(HTTPError(.requestTimeout))
            sendErrorAndClose(.requestTimeout)
        }
    }
}
