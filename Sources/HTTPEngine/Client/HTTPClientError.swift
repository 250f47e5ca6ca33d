/// Why an upstream exchange failed; `status` is what a proxy should answer instead.
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing listens at the upstream address (ECONNREFUSED).
    case connectRefused(upstream: String)
    /// The TCP connect did not finish within `connectTimeout`.
    case connectTimeout(upstream: String)
    /// The connect failed for another reason (unreachable, no route, ...).
    case connectFailed(upstream: String, errorNumber: Int32)
    /// The host name could not be resolved to an address.
    case unresolvableHost(String)
    /// The upstream was silent for longer than `responseTimeout`.
    case responseTimeout
    /// The request's own `timeout` ran out before the response head arrived.
    case requestTimeout
    /// The upstream closed or reset the connection before the response was complete.
    case upstreamClosedEarly
    /// The upstream sent bytes that are not a valid HTTP/1.x response.
    case malformedResponse(HTTPParseError)
    /// The pool for this upstream is at its connection limit and its queue is full
    /// (or the wait for a connection outlasted `connectTimeout`).
    case poolExhausted(upstream: String)
    /// The request cannot be sent as given (bad method, target or body length).
    case invalidRequest(String)
    /// Reading the request body to send failed; the message describes the source's error.
    case requestBodyFailed(String)
    /// The response body is larger than the caller allowed.
    case responseBodyTooLarge
    /// The client was shut down.
    case shutDown

    /// The status a proxy answers with: 503 when no connection could be had,
    /// 504 for time-outs, 502 for everything the upstream got wrong.
    public var status: HTTPStatus {
        switch self {
        case .connectTimeout, .responseTimeout, .requestTimeout: .gatewayTimeout
        case .poolExhausted, .shutDown: .serviceUnavailable
        case .invalidRequest, .requestBodyFailed: .badRequest
        case .connectRefused, .connectFailed, .unresolvableHost, .upstreamClosedEarly, .malformedResponse, .responseBodyTooLarge:
            .badGateway
        }
    }

    /// Whether a connect to one address failed, so another address of the host may answer.
    var isConnectFailure: Bool {
        switch self {
        case .connectRefused, .connectTimeout, .connectFailed: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .connectRefused(let upstream): "connection to \(upstream) refused"
        case .connectTimeout(let upstream): "connection to \(upstream) timed out"
        case .connectFailed(let upstream, let errorNumber): "connection to \(upstream) failed (errno \(errorNumber))"
        case .unresolvableHost(let host): "cannot resolve host \(host)"
        case .responseTimeout: "upstream response timed out"
        case .requestTimeout: "request timed out before the response head arrived"
        case .upstreamClosedEarly: "upstream closed the connection before the response was complete"
        case .malformedResponse(let error): "malformed upstream response (\(error))"
        case .poolExhausted(let upstream): "no connection to \(upstream) available"
        case .invalidRequest(let reason): "invalid request: \(reason)"
        case .requestBodyFailed(let reason): "request body failed: \(reason)"
        case .responseBodyTooLarge: "upstream response body too large"
        case .shutDown: "HTTP client is shut down"
        }
    }
}
