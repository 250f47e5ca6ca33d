/// Why text could not be read as a `RedisAddress`.
///
/// No case carries the text itself: a malformed address may have its password in any position
/// (an unencoded `/` in it, a forgotten scheme), and these errors end up in logs.
public enum RedisAddressError: Error, Sendable, Hashable {
    case empty
    /// Longer than `limit` bytes.
    case tooLong(limit: Int)
    /// A space or control character anywhere, password included.
    case invalidCharacter
    /// A scheme other than `redis://` (`rediss://` for TLS and `unix://` sockets are not supported).
    case unsupportedScheme
    /// `user:password@host` without `redis://` in front.
    case credentialsWithoutScheme
    case missingHost
    /// A host name with characters outside letters, digits, `.`, `-` and `_`, or a malformed IPv4 address.
    case invalidHost
    /// An IPv6 address written without brackets, so its last group cannot be told from a port.
    case unbracketedIPv6
    /// Brackets around something that is not an IPv6 address (zone identifiers are not supported).
    case invalidIPv6
    /// A port that is not a number from 1 to 65535.
    case invalidPort
    /// A path that is not `/` followed by a database number from 0 to 2147483647.
    case invalidDatabase
    /// A `%` not followed by two hex digits, or user or password bytes that are not UTF-8.
    case invalidPercentEncoding
    /// A `?` query or `#` fragment, which this client does not interpret.
    case unsupportedQuery
}

extension RedisAddressError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .empty: "address is empty"
        case .tooLong(let limit): "address longer than \(limit) bytes"
        case .invalidCharacter: "address contains a space or control character"
        case .unsupportedScheme: "address scheme is not redis:// (rediss:// and unix:// are not supported)"
        case .credentialsWithoutScheme: "user or password given without the redis:// scheme"
        case .missingHost: "address has no host"
        case .invalidHost: "host is not a valid host name or IPv4 address"
        case .unbracketedIPv6: "IPv6 address must be written in brackets, as [::1]:6379"
        case .invalidIPv6: "bracketed host is not an IPv6 address"
        case .invalidPort: "port is not a number from 1 to 65535"
        case .invalidDatabase: "database is not a number from 0 to 2147483647"
        case .invalidPercentEncoding: "user or password has invalid percent-encoding or is not UTF-8"
        case .unsupportedQuery: "address has a query or fragment, which is not supported"
        }
    }
}
