/// Why the engine could not do what it was asked: the one error its client, pipelined client,
/// server, body readers and writers, event loops and waiters throw.
///
/// A struct with an open set of `Code`s rather than an enum, as AsyncHTTPClient and swift-nio
/// do: a code can be added without breaking a caller's exhaustive `switch`, and every failure
/// carries the same context fields, set when known. Match on `code`; read the context for logs.
///
/// What stays separate, and why (the rejected alternative was folding all of them in here):
/// - `HTTPError` is what a handler throws to *choose* a response status; it is a decision, not
///   a failure of the engine, and the server turns it into that response.
/// - `HTTPParseError` names the protocol violation and the status a server answers it with;
///   the parser (also built alone by the fuzz harness) throws it, and here it is the
///   `underlying` detail of `.malformedResponse`.
/// - `SystemError` (a system call's name and `errno`) is the `underlying` cause of connect and
///   system-call failures; the one-call wrappers in `Socket` and `EventLoop` registration throw
///   it as is, since a code over it would add nothing their caller does not know.
public struct HTTPEngineError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public let code: Code
    /// The peer the failure concerns, as `host:port` (an upstream, or the server of a pipelined
    /// client); the host name alone for `.unresolvableHost`; nil when there is none.
    public let address: String?
    /// Free text the code needs: why a request is invalid, which wait was refused, the rejected
    /// listen address.
    public let detail: String?
    /// The time limit that ran out, for time-outs when known.
    public let timeLimit: Duration?
    /// The count that was reached: replies awaited, or bytes allowed for a body.
    public let countLimit: Int?
    /// The error underneath: a `SystemError`, an `HTTPParseError`, a codec's or a request body
    /// source's error, the connect failure a back-off repeats.
    public let underlying: (any Error)?

    public init(
        _ code: Code,
        address: String? = nil,
        detail: String? = nil,
        timeLimit: Duration? = nil,
        countLimit: Int? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.address = address
        self.detail = detail
        self.timeLimit = timeLimit
        self.countLimit = countLimit
        self.underlying = underlying
    }

    /// The protocol violation of a `.malformedResponse` from the HTTP client.
    public var parseError: HTTPParseError? { underlying as? HTTPParseError }

    /// The failed system call underneath, if any.
    public var systemError: SystemError? { underlying as? SystemError }

    /// The status a proxy answers instead of the upstream's response (see `Code.status`).
    public var status: HTTPStatus { code.status }

    /// Whether a connect to one address failed, so another address of the host may answer.
    var isConnectFailure: Bool {
        code == .connectRefused || code == .connectFailed || code == .connectTimeout
    }

    public var description: String {
        let peer = address ?? "the peer"
        return switch code {
        case .connectRefused: "connection to \(peer) refused"
        case .connectTimeout: "connection to \(peer) timed out" + Self.after(timeLimit)
        case .connectFailed: "connection to \(peer) failed (errno \(systemError?.errorNumber ?? 0))"
        case .unresolvableHost: "cannot resolve host \(peer)"
        case .backingOff: "\(Self.text(underlying)) (not retried until the reconnect delay has passed)"
        case .setupRejected: "connection setup refused: \(Self.text(underlying))"
        case .responseTimeout: "upstream response timed out" + Self.after(timeLimit)
        case .requestTimeout: "request timed out before the response head arrived"
        case .connectionClosed:
            address.map { "\($0) closed the connection before the response was complete" }
                ?? "the connection is closed or its exchange is over"
        case .malformedResponse: "malformed upstream response (\(underlying.map { "\($0)" } ?? detail ?? "no detail"))"
        case .overloaded:
            countLimit.map { "\(peer) already awaits \($0) replies" } ?? "no connection to \(peer) available"
        case .invalidRequest: "invalid request: \(detail ?? "")"
        case .requestBodyFailed: "request body failed: \(Self.text(underlying))"
        case .responseBodyTooLarge: "upstream response body too large" + (countLimit.map { " (limit \($0) bytes)" } ?? "")
        case .shutDown: "the client is shut down"
        case .eventLoopStopped: "the event loop has stopped"
        case .concurrentWait: "another task is already waiting on this \(detail ?? "operation")"
        case .alreadyStarted: "the server was already started"
        case .invalidAddress: "invalid listen address \(detail ?? "")"
        case .systemCallFailed: Self.text(underlying)
        default: "\(code)"
        }
    }

    private static func after(_ limit: Duration?) -> String {
        limit.map { " after \($0)" } ?? ""
    }

    private static func text(_ error: (any Error)?) -> String {
        error.map { String(describing: $0) } ?? "unknown error"
    }
}

extension HTTPEngineError: Equatable {
    /// Equal when code and context are; the underlying errors compare by description, since
    /// errors in general are not `Equatable`.
    public static func == (left: HTTPEngineError, right: HTTPEngineError) -> Bool {
        left.code == right.code && left.address == right.address && left.detail == right.detail
            && left.timeLimit == right.timeLimit && left.countLimit == right.countLimit
            && left.underlying.map { String(describing: $0) } == right.underlying.map { String(describing: $0) }
    }
}
