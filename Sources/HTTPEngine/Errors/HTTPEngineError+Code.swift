extension HTTPEngineError {
    /// A kind of engine failure. New codes may be added: `switch` over them with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Sendable {
            case connectRefused, connectFailed, connectTimeout, unresolvableHost, backingOff, setupRejected
            case responseTimeout, requestTimeout, connectionClosed, malformedResponse, overloaded
            case invalidRequest, requestBodyFailed, responseBodyTooLarge
            case shutDown, eventLoopStopped, concurrentWait, alreadyStarted, invalidAddress, systemCallFailed
        }

        private let kind: Kind

        private init(_ kind: Kind) {
            self.kind = kind
        }

        public var description: String { kind.rawValue }

        // Reaching the peer.

        /// Nothing listens at the address (ECONNREFUSED).
        public static let connectRefused = Code(.connectRefused)
        /// The connect failed for another reason (unreachable, no route, ...); `underlying` has the errno.
        public static let connectFailed = Code(.connectFailed)
        /// The TCP connect (and any setup exchange) did not finish within the connect time-out.
        public static let connectTimeout = Code(.connectTimeout)
        /// The host name has no address.
        public static let unresolvableHost = Code(.unresolvableHost)
        /// The last connect failed moments ago and the next waits for its back-off delay;
        /// `underlying` is that failure. Fails fast so a dead server costs no time-out per request.
        public static let backingOff = Code(.backingOff)
        /// A setup request sent on connect (e.g. a login) was refused; `underlying` says why.
        public static let setupRejected = Code(.setupRejected)

        // The exchange.

        /// The peer was silent for longer than the response (or reply) time-out; the request
        /// may or may not have been carried out.
        public static let responseTimeout = Code(.responseTimeout)
        /// The request's own time-out ran out before the response head arrived.
        public static let requestTimeout = Code(.requestTimeout)
        /// The connection closed or broke before the exchange was complete: the upstream hung up
        /// (`address` set), or a server-side body read or write came after the client left.
        public static let connectionClosed = Code(.connectionClosed)
        /// The peer's bytes are not a valid response, or it answered what nobody asked;
        /// `underlying` is the `HTTPParseError` or codec error.
        public static let malformedResponse = Code(.malformedResponse)
        /// No capacity for the request: the upstream's pool is at its connection cap with a full
        /// queue (or none freed within the connect time-out), or a pipelined connection already
        /// awaits `countLimit` replies.
        public static let overloaded = Code(.overloaded)

        // The caller's request.

        /// The request cannot be sent as given (bad method, target or body length); see `detail`.
        public static let invalidRequest = Code(.invalidRequest)
        /// Reading the request body to send failed; `underlying` is the source's error.
        public static let requestBodyFailed = Code(.requestBodyFailed)
        /// The response body is larger than the caller allowed (`countLimit` bytes).
        public static let responseBodyTooLarge = Code(.responseBodyTooLarge)

        // The engine itself.

        /// The client was shut down.
        public static let shutDown = Code(.shutDown)
        /// Work was handed to an event loop whose thread has exited.
        public static let eventLoopStopped = Code(.eventLoopStopped)
        /// A task started waiting on a body read or write (`detail`) while another waits there.
        public static let concurrentWait = Code(.concurrentWait)
        /// `HTTPServer.start()` was called a second time.
        public static let alreadyStarted = Code(.alreadyStarted)
        /// The server's host and port (`detail`) are not a listenable address.
        public static let invalidAddress = Code(.invalidAddress)
        /// A system call failed; `underlying` is the `SystemError`.
        public static let systemCallFailed = Code(.systemCallFailed)

        /// The status a proxy answers instead of the upstream's response: 504 for time-outs,
        /// 503 when no connection could be had (or the client is shut down), 400 for the
        /// request's own fault, 502 for everything the upstream got wrong, and 500 for misuse
        /// of the engine and failed system calls.
        public var status: HTTPStatus {
            switch kind {
            case .connectTimeout, .responseTimeout, .requestTimeout: .gatewayTimeout
            case .backingOff, .overloaded, .shutDown, .eventLoopStopped: .serviceUnavailable
            case .invalidRequest, .requestBodyFailed: .badRequest
            case .connectRefused, .connectFailed, .unresolvableHost, .setupRejected, .connectionClosed,
                 .malformedResponse, .responseBodyTooLarge:
                .badGateway
            case .concurrentWait, .alreadyStarted, .invalidAddress, .systemCallFailed: .internalServerError
            }
        }
    }
}
