/// Why a store could not decide; what a failure policy acts on.
///
/// A store never throws for a request it could answer (a refusal is a decision), and never for
/// bad input (`RateLimitRequest` is validated when made). Each case is something the network
/// or the server did, so the policy can count it by kind and decide whether to keep trying.
public enum RateLimitStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The store could not be reached: connection refused, reset, or no route.
    case unreachable(String)
    /// No answer within the time allowed; raised by the failure policy's time-out, or the store's client.
    case timedOut(Duration)
    /// The server answered with an error (Redis `-ERR …`, `-BUSY`, `-NOSCRIPT` that reloading did not fix).
    case serverError(String)
    /// The answer was not what the protocol or the script promises.
    case protocolError(String)
    /// The circuit breaker is open: the store was not asked. Raised by the failure policy only.
    case circuitOpen

    /// A short label for metrics: `unreachable`, `timed_out`, `server_error`, `protocol_error`, `circuit_open`.
    public var kind: String {
        switch self {
        case .unreachable: "unreachable"
        case .timedOut: "timed_out"
        case .serverError: "server_error"
        case .protocolError: "protocol_error"
        case .circuitOpen: "circuit_open"
        }
    }

    /// Every `kind`, in a fixed order, so metrics can list each one even before it happens.
    public static let allKinds = ["unreachable", "timed_out", "server_error", "protocol_error", "circuit_open"]

    public var description: String {
        switch self {
        case .unreachable(let detail): "store unreachable: \(detail)"
        case .timedOut(let limit): "store did not answer within \(limit)"
        case .serverError(let detail): "store error: \(detail)"
        case .protocolError(let detail): "store protocol error: \(detail)"
        case .circuitOpen: "store skipped: circuit breaker open"
        }
    }
}
