/// The media type of bodies the middleware writes itself (429, 503 and 400).
public enum RateLimitErrorBodyFormat: Sendable, Hashable {
    /// `application/json`: `{"error":"rate_limited","retry_after":3}`.
    case json
    /// `application/problem+json` (RFC 9457), with the same `error` and `retry_after` members added.
    ///
    /// A 429 uses the draft's `quota-exceeded` type with `violated-policies`; a 503 for a full key
    /// table has a type of its own; a 400 is `about:blank`.
    case problemDetails
}
