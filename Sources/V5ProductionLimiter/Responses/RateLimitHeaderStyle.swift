/// Which rate-limit header fields responses carry.
public enum RateLimitHeaderStyle: Sendable, Hashable {
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`: what most clients parse today.
    ///
    /// These have no standard. Here `X-RateLimit-Reset` is the seconds until the bucket is full
    /// again, a delta rather than the Unix timestamp some services send, and a different number
    /// from the IETF `t` (seconds until the next token).
    case legacy
    /// `RateLimit-Policy` and `RateLimit` from draft-ietf-httpapi-ratelimit-headers (editor's copy after -10).
    ///
    /// `t` is the seconds until the next token; on a 429 it equals `Retry-After`.
    case ietf
    /// Both sets, for clients of either kind (the default).
    case both
    /// No rate-limit fields; 429 responses still carry `Retry-After`, which HTTP itself defines.
    case omitted

    var includesLegacy: Bool { self == .legacy || self == .both }
    var includesIETF: Bool { self == .ietf || self == .both }

    /// The fields this style writes, which replace any of the same name.
    var fieldNames: [String] {
        switch self {
        case .legacy: Self.legacyFieldNames
        case .ietf: Self.ietfFieldNames
        case .both: Self.allFieldNames
        case .omitted: []
        }
    }

    private static let legacyFieldNames = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]
    private static let ietfFieldNames = ["RateLimit-Policy", "RateLimit"]
    private static let allFieldNames = legacyFieldNames + ietfFieldNames
}
