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

/// The media type of bodies the middleware writes itself (429 and 400).
public enum RateLimitErrorBodyFormat: Sendable, Hashable {
    /// `application/json`: `{"error":"rate_limited","retry_after":3}`.
    case json
    /// `application/problem+json` (RFC 9457), with the same `error` and `retry_after` members added.
    case problemDetails
}

/// How the middleware words its answers.
public struct RateLimitResponseConfiguration: Sendable, Hashable {
    /// Which rate-limit header fields to send.
    public var headerStyle: RateLimitHeaderStyle
    /// The body format of 429 and 400 responses.
    public var errorBodyFormat: RateLimitErrorBodyFormat
    /// The policy name in the IETF fields; a token (letters, digits, `-`, `_`, `.`), default `default`.
    public var policyName: String

    public init(headerStyle: RateLimitHeaderStyle = .both, errorBodyFormat: RateLimitErrorBodyFormat = .json, policyName: String = "default") {
        self.headerStyle = headerStyle
        self.errorBodyFormat = errorBodyFormat
        // The name is sent as a structured-field string; dropping everything outside a safe set
        // means a configuration typo can never inject a quote, comma or line break into a header.
        let safe = policyName.unicodeScalars.filter { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || scalar.properties.numericType != nil || "-_.".unicodeScalars.contains(scalar))
        }
        self.policyName = safe.isEmpty ? "default" : String(String.UnicodeScalarView(safe))
    }
}
