extension ServerConnection: DeadlineTimedConnection {
    var isClosed: Bool { phase == .closed }

    /// The instant the current phase times out, or 0 when nothing is being waited for.
    var currentDeadline: UInt64 {
        if !outbound.isEmpty { return lastWriteProgressAt &+ configuration.writeTimeout.nanoseconds }
        switch phase {
        case .idle where shutdownIdleDeadline != 0:
            return shutdownIdleDeadline
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

    /// Idle keep-alive connections close quietly; a head not complete in time (including a new
    /// connection's first one, bytes or not) gets 408; a stalled write or body is dropped.
    func handleTimeout() {
        if !outbound.isEmpty {
            close()
            return
        }
        switch phase {
        case .idle where shutdownIdleDeadline != 0:
            startClosingAfterFlush()
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
