/// The media type of bodies the middleware writes itself (429 and 400).
public enum RateLimitErrorBodyFormat: Sendable, Hashable {
    /// `application/json`: `{"error":"rate_limited","retry_after":3}`.
    case json
    /// `application/problem+json` (RFC 9457), with the same `error` and `retry_after` members added.
    case problemDetails
}
