/// Which rate-limit header fields responses carry.
public enum RateLimitHeaderStyle: Sendable, Hashable {
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`: what most clients parse today.
    case legacy
    /// `RateLimit-Policy` and `RateLimit` from draft-ietf-httpapi-ratelimit-headers-11.
    case ietf
    /// Both sets, for clients of either kind (the default).
    case both
    /// No rate-limit fields; 429 responses still carry `Retry-After`, which HTTP itself defines.
    case omitted

    var includesLegacy: Bool { self == .legacy || self == .both }
    var includesIETF: Bool { self == .ietf || self == .both }
}
