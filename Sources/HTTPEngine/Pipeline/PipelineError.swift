/// Why a request on a `PipelinedClient` got no reply; a protocol's client maps these to its own
/// error type (the Redis client to `RedisError`).
package enum PipelineError: Error, Sendable {
    /// The host name has no address.
    case unresolvable(host: String)
    /// Every address refused or failed the connect; the system error of the last one.
    case connectFailed(errorNumber: Int32)
    /// No connection within the connect time-out.
    case connectTimedOut(Duration)
    /// The last connect failed moments ago and the next attempt waits for its back-off delay;
    /// carries that failure. Fails fast so a dead server does not cost a time-out per request.
    case backingOff(lastFailure: PipelineFailure)
    /// No reply within the reply time-out; the request may or may not have been carried out.
    case timedOut(Duration)
    /// The connection ended or broke before the reply was complete.
    case closed
    /// The server's bytes were not valid replies, or it sent a reply nobody asked for.
    case malformedReply(any Error)
    /// A setup request (e.g. a login) sent on connect was refused with this error.
    case setupRejected(any Error)
    /// The connection already waits for `limit` replies; more would grow memory without bound.
    case overloaded(limit: Int)
    /// The client was shut down.
    case shutDown
}

/// The connect failure that `PipelineError.backingOff` repeats: the kinds a connect can fail with.
package enum PipelineFailure: Sendable {
    case unresolvable(host: String)
    case connectFailed(errorNumber: Int32)
    case connectTimedOut(Duration)
    case setupRejected(any Error)

    /// The error the failure was first reported as.
    package var error: PipelineError {
        switch self {
        case .unresolvable(let host): .unresolvable(host: host)
        case .connectFailed(let errorNumber): .connectFailed(errorNumber: errorNumber)
        case .connectTimedOut(let limit): .connectTimedOut(limit)
        case .setupRejected(let error): .setupRejected(error)
        }
    }
}
