/// Why a rate-limit configuration value was refused.
public enum RateLimitConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A trusted-proxy entry that is not an address or CIDR block.
    case invalidNetwork(String)
    /// A prefix length outside 0...128 for grouping IPv6 clients.
    case invalidPrefixLength(Int)
    /// A limit on key material that is not positive.
    case invalidMaximumKeyLength(Int)

    public var description: String {
        switch self {
        case .invalidNetwork(let text):
            "\"\(text)\" is not an IP address or CIDR block such as 10.0.0.0/8 or 2001:db8::/32"
        case .invalidPrefixLength(let length):
            "an IPv6 prefix length must be between 1 and 128, got \(length)"
        case .invalidMaximumKeyLength(let length):
            "the longest accepted key must be at least 1 byte, got \(length)"
        }
    }
}
