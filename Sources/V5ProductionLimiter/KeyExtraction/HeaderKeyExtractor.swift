import HTTPEngine

/// Keys requests by the value of one header, such as `X-API-Key`.
///
/// The value is used as it is, not checked against the keys actually issued: limiting happens
/// before authentication, so a client that mints a new key per request gets a fresh, full bucket
/// each time and is never limited at all (the same holds for any header the client writes).
/// Key by a header only behind something that rejects unknown keys, or stack an address-keyed
/// limit in front. Stage 5 builds the remedy in: only known keys get a bucket of their own, and
/// requests with an unknown or missing key are limited per client address.
public struct HeaderKeyExtractor: RateLimitKeyExtractor {
    /// The header read (case-insensitive).
    public let headerName: String
    /// Whether keys are of the `key:` kind (API keys) rather than `header(name):`.
    let isAPIKey: Bool
    /// Longest value accepted; longer values are refused with 400 before being decoded.
    public let maximumBytes: Int

    public func key(for request: HTTPRequest) throws(RateLimitKeyError) -> RateLimitKey? {
        guard let bytes = try RawHeaderValue.only(headerName, in: request.headers) else { return nil }
        let value = try KeyMaterial.validated(bytes, field: headerName, maximumBytes: maximumBytes)
        guard !value.isEmpty else { return nil }
        return isAPIKey ? .apiKey(value) : .header(headerName, value: value)
    }

    public var sourceDescription: String { "a \(headerName) header" }
}

extension RateLimitKeyExtractor where Self == HeaderKeyExtractor {
    /// Keys by an API key header (`key:` kind), `X-API-Key` unless named otherwise.
    ///
    /// Unverified: every invented key is a fresh bucket (see `HeaderKeyExtractor`).
    public static func apiKey(headerName: String = "X-API-Key", maximumBytes: Int = 256) -> HeaderKeyExtractor {
        HeaderKeyExtractor(headerName: headerName, isAPIKey: true, maximumBytes: max(1, maximumBytes))
    }

    /// Keys by any header's value (`header(name):` kind), e.g. a tenant identifier.
    public static func header(_ name: String, maximumBytes: Int = 256) -> HeaderKeyExtractor {
        HeaderKeyExtractor(headerName: name, isAPIKey: false, maximumBytes: max(1, maximumBytes))
    }
}

/// Keys requests by the token of `Authorization: Bearer <token>` (RFC 6750).
///
/// The token is used as it is, not verified: limiting happens before authentication, so a
/// client inventing tokens gets a fresh, full bucket per token and is never limited, exactly as
/// with invented API keys. Put authentication first, or stack an address-keyed limit in front;
/// stage 5 gives only known credentials a bucket of their own and limits the rest per address.
public struct BearerTokenKeyExtractor: RateLimitKeyExtractor {
    /// Longest token accepted; longer tokens are refused with 400.
    public let maximumBytes: Int

    public func key(for request: HTTPRequest) throws(RateLimitKeyError) -> RateLimitKey? {
        guard let bytes = try RawHeaderValue.only("Authorization", in: request.headers) else { return nil }
        let scheme = Array("bearer ".utf8)
        // Another scheme (Basic, Digest) is simply not a bearer token: absent, not malformed.
        guard bytes.count >= scheme.count, bytes.prefix(scheme.count).map({ $0 | 0x20 }) == scheme.map({ $0 | 0x20 }) else {
            return nil
        }
        let token = bytes.dropFirst(scheme.count).drop { $0 == UInt8(ascii: " ") }
        guard !token.isEmpty else { throw .malformedBearerToken }
        let text = try KeyMaterial.validated(token, field: "the bearer token", maximumBytes: maximumBytes)
        return .bearerToken(text)
    }

    public var sourceDescription: String { "an Authorization: Bearer token" }
}

extension RateLimitKeyExtractor where Self == BearerTokenKeyExtractor {
    /// Keys by bearer token (`bearer:` kind).
    public static func bearerToken(maximumBytes: Int = 1024) -> BearerTokenKeyExtractor {
        BearerTokenKeyExtractor(maximumBytes: max(1, maximumBytes))
    }
}
