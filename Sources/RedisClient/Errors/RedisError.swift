/// Why a Redis command did not produce a reply value, in terms a caller can act on.
///
/// A rate limiter maps these to its fail-open or fail-closed policy: `isAvailabilityFailure`
/// separates "Redis could not be asked" (the policy decides) from "Redis answered with an error"
/// (a bug in the command or the data, which no policy should hide). Every description names the
/// address through `RedisAddress.description`, which masks the password.
public enum RedisError: Error, Sendable, Hashable {
    /// No connection could be made: refused, no route, name not resolved; `reason` says which.
    case unreachable(RedisAddress, reason: String)
    /// No complete reply within `limit`; the command may or may not have run.
    case timedOut(RedisAddress, limit: Duration)
    /// The connection ended or broke before a reply was complete.
    case connectionClosed(RedisAddress)
    /// Redis answered with an error reply (`ERR`, `WRONGTYPE`, `NOSCRIPT`, `WRONGPASS`, ...).
    case server(message: String)
    /// The server's bytes were not valid RESP2 or passed a decoder bound; the connection is dropped.
    case `protocol`(RESPProtocolError)
    /// The configured address could not be parsed.
    case invalidAddress(RedisAddressError)
    /// The connection already waits for `limit` replies; the command was not sent.
    case overloaded(RedisAddress, limit: Int)
    /// The client was shut down; the command was not sent.
    case shutDown

    /// An error reply with every occurrence of `password` replaced by `***`.
    ///
    /// Redis quotes arguments back in some errors (`unknown command '...', with args beginning
    /// with: ...`), so a reply to a mangled `AUTH` could carry the password into a log.
    public static func server(message: String, redacting password: String?) -> RedisError {
        guard let password, !password.isEmpty else { return .server(message: message) }
        return .server(message: message.replacing(password, with: "***"))
    }

    /// Whether Redis could not be asked or gave no usable answer (unreachable, timed out, closed,
    /// protocol error): the failures a fail-open or fail-closed policy decides. False for error
    /// replies and for an invalid address, which are mistakes to surface, not outages.
    public var isAvailabilityFailure: Bool {
        switch self {
        case .unreachable, .timedOut, .connectionClosed, .protocol, .overloaded: true
        case .server, .invalidAddress, .shutDown: false
        }
    }

    /// The first word of an error reply (`WRONGTYPE`, `NOSCRIPT`), by which Redis tells errors apart; nil for other cases.
    public var serverErrorPrefix: String? {
        guard case .server(let message) = self else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }
}

extension RedisError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .unreachable(let address, let reason): "Redis at \(address) is unreachable: \(reason)"
        case .timedOut(let address, let limit): "Redis at \(address) did not reply within \(limit)"
        case .connectionClosed(let address): "Redis at \(address) closed the connection before a reply was complete"
        case .server(let message): "Redis replied with an error: \(message)"
        case .protocol(let error): "Redis protocol error: \(error)"
        case .invalidAddress(let error): "invalid Redis address: \(error)"
        case .overloaded(let address, let limit): "Redis at \(address) already has \(limit) commands awaiting replies on this connection"
        case .shutDown: "the Redis client was shut down"
        }
    }
}
