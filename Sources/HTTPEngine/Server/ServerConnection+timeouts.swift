extension ServerConnection: DeadlineTimedConnection {
    var isClosed: Bool { phase == .closed }

    /// The instant the current phase times out, or 0 when nothing is being waited for.
    var currentDeadline: UInt64 {
        if !core.outbound.isEmpty { return lastWriteProgressAt &+ spans.write }
        switch phase {
        case .idle where shutdownIdleDeadline != 0:
            return shutdownIdleDeadline
        case .idle:
            return phaseStartedAt &+ (isFirstRequest ? spans.headerRead : spans.idle)
        case .readingHead:
            return phaseStartedAt &+ spans.headerRead
        case .handling:
            // Only a client that owes body bytes we are ready to take can stall us;
            // a slow handler or a paused reader is not the client's fault.
            guard !isRequestBodyComplete, !isBodyPaused, !isContinuePending else { return 0 }
            return min(lastReadAt &+ spans.idle, bodyDeadline)
        case .closing:
            return 0
        case .lingering:
            return lingerDeadline
        case .closed:
            return 0
        }
    }

    /// The request body's total deadline: `requestBodyTimeout` plus one second per
    /// `minRequestBodyRate` bytes received (mod_reqtimeout's MinRate), so a client that
    /// trickles a byte just inside `idleTimeout` still runs out of time.
    var bodyDeadline: UInt64 {
        let rate = configuration.minRequestBodyRate
        guard rate > 0 else { return .max }
        let limit = UInt64(Int64.max)
        let (scaled, overflow) = UInt64(receivedBodyBytes).multipliedReportingOverflow(by: 1_000_000_000)
        let credit = overflow ? limit : scaled / UInt64(rate)
        // Both terms are at most Int64.max, so their sum fits; it saturates like every span.
        let span = min(spans.requestBody + min(credit, limit), limit)
        return bodyClockStartedAt &+ span
    }

    /// Stops the body's total deadline while the server holds the body back and moves it
    /// later by that time once the client is waited for again; runs after every event.
    func updateBodyClock() {
        let isWaitingForClient = !isBodyPaused && !isContinuePending
        if isWaitingForClient, bodyClockPausedAt != 0 {
            bodyClockStartedAt &+= loop.turnNanoseconds &- bodyClockPausedAt
            bodyClockPausedAt = 0
        } else if !isWaitingForClient, bodyClockPausedAt == 0 {
            bodyClockPausedAt = loop.turnNanoseconds
        }
    }

    /// Idle keep-alive connections close quietly; a head not complete in time (including a new
    /// connection's first one, bytes or not) gets 408; a stalled write or body is dropped.
    func handleTimeout() {
        if !core.outbound.isEmpty {
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

/// A server connection's time-outs in nanoseconds (`Duration.nanoseconds`), converted once per
/// connection: converting on every deadline check did 128-bit arithmetic each time (with the
/// client connection's, 0.5 % of a proxy's user time).
struct ServerTimeoutSpans {
    let write: UInt64
    let headerRead: UInt64
    let idle: UInt64
    let requestBody: UInt64

    init(_ configuration: HTTPServerConfiguration) {
        write = configuration.writeTimeout.nanoseconds
        headerRead = configuration.headerReadTimeout.nanoseconds
        idle = configuration.idleTimeout.nanoseconds
        requestBody = configuration.requestBodyTimeout.nanoseconds
    }
}
