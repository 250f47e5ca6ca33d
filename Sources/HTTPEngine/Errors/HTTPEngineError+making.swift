import Glibc

/// One constructor per code, naming the context each one carries.
extension HTTPEngineError {
    /// A failed connect to `address`: `.connectRefused` for ECONNREFUSED, else `.connectFailed`.
    package static func connectFailure(to address: String, errorNumber: Int32) -> HTTPEngineError {
        errorNumber == ECONNREFUSED ? .connectRefused(to: address) : .connectFailed(to: address, errorNumber: errorNumber)
    }

    package static func connectRefused(to address: String) -> HTTPEngineError {
        HTTPEngineError(.connectRefused, address: address, underlying: SystemError("connect", errorNumber: ECONNREFUSED))
    }

    package static func connectFailed(to address: String, errorNumber: Int32) -> HTTPEngineError {
        HTTPEngineError(.connectFailed, address: address, underlying: SystemError("connect", errorNumber: errorNumber))
    }

    package static func connectTimeout(to address: String, limit: Duration) -> HTTPEngineError {
        HTTPEngineError(.connectTimeout, address: address, timeLimit: limit)
    }

    package static func unresolvableHost(_ host: String) -> HTTPEngineError {
        HTTPEngineError(.unresolvableHost, address: host)
    }

    /// A request refused during the back-off delay that followed `failure`.
    package static func backingOff(after failure: HTTPEngineError) -> HTTPEngineError {
        HTTPEngineError(.backingOff, address: failure.address, underlying: failure)
    }

    package static func setupRejected(by address: String, _ error: any Error) -> HTTPEngineError {
        HTTPEngineError(.setupRejected, address: address, underlying: error)
    }

    package static func responseTimeout(from address: String, limit: Duration) -> HTTPEngineError {
        HTTPEngineError(.responseTimeout, address: address, timeLimit: limit)
    }

    package static let requestTimeout = HTTPEngineError(.requestTimeout)

    /// The connection to `address` broke mid-exchange; nil for the server's own connections.
    package static func connectionClosed(by address: String? = nil) -> HTTPEngineError {
        HTTPEngineError(.connectionClosed, address: address)
    }

    package static func malformedResponse(_ error: any Error) -> HTTPEngineError {
        HTTPEngineError(.malformedResponse, underlying: error)
    }

    /// No pooled connection to `address` to be had, or `pendingLimit` replies already awaited.
    package static func overloaded(_ address: String, pendingLimit: Int? = nil) -> HTTPEngineError {
        HTTPEngineError(.overloaded, address: address, countLimit: pendingLimit)
    }

    package static func invalidRequest(_ reason: String) -> HTTPEngineError {
        HTTPEngineError(.invalidRequest, detail: reason)
    }

    package static func requestBodyFailed(_ error: any Error) -> HTTPEngineError {
        HTTPEngineError(.requestBodyFailed, underlying: error)
    }

    package static func responseBodyTooLarge(limit: Int) -> HTTPEngineError {
        HTTPEngineError(.responseBodyTooLarge, countLimit: limit)
    }

    package static let shutDown = HTTPEngineError(.shutDown)

    package static let eventLoopStopped = HTTPEngineError(.eventLoopStopped)

    /// `operation` names what was waited for, e.g. "request body read".
    package static func concurrentWait(operation: String) -> HTTPEngineError {
        HTTPEngineError(.concurrentWait, detail: operation)
    }

    package static let alreadyStarted = HTTPEngineError(.alreadyStarted)

    package static func invalidAddress(_ address: String) -> HTTPEngineError {
        HTTPEngineError(.invalidAddress, detail: address)
    }

    package static func systemCallFailed(_ error: SystemError) -> HTTPEngineError {
        HTTPEngineError(.systemCallFailed, underlying: error)
    }
}
