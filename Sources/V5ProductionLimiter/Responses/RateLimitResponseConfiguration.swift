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
