import HTTPEngine

/// Decides which bucket a request spends from.
///
/// Return nil when the request simply lacks this kind of key material (no `X-API-Key`, say), so
/// a `firstAvailable` chain can try the next source; throw when the material is present but
/// unusable, which the middleware answers with 400. Built-ins are static members:
/// `.clientAddress`, `.clientAddress(resolver:ipv6PrefixLength:)`, `.apiKey()`, `.header(_:)`,
/// `.bearerToken()`, `.clientAddressAndPath()`, `.custom(_:)` and `.firstAvailable(_:)`:
///
/// ```swift
/// let extractor: FallbackKeyExtractor = .firstAvailable(.apiKey(), .clientAddress)
/// ```
public protocol RateLimitKeyExtractor: Sendable {
    /// The key of `request`, nil when this source is absent from it.
    func key(for request: HTTPRequest) throws(RateLimitKeyError) -> RateLimitKey?

    /// What this extractor reads, for the error a client sees when every source is absent.
    var sourceDescription: String { get }
}

/// A key made by application code, such as a tenant looked up from the path.
public struct CustomKeyExtractor: RateLimitKeyExtractor {
    let body: @Sendable (HTTPRequest) -> String?
    public let sourceDescription: String
    /// Longest key the closure may return; longer ones are refused with 400 like any key material.
    public let maximumBytes: Int

    public func key(for request: HTTPRequest) throws(RateLimitKeyError) -> RateLimitKey? {
        guard let value = body(request) else { return nil }
        return .custom(try KeyMaterial.validated(value.utf8, field: sourceDescription, maximumBytes: maximumBytes))
    }
}

extension RateLimitKeyExtractor where Self == CustomKeyExtractor {
    /// Keys computed by `body`, prefixed `custom:` so they cannot impersonate a built-in kind.
    ///
    /// What the closure returns is checked like header key material (length, control characters),
    /// since it often comes from the request and becomes a stored bucket key.
    public static func custom(
        describedAs sourceDescription: String = "a custom key",
        maximumBytes: Int = 256,
        _ body: @escaping @Sendable (HTTPRequest) -> String?
    ) -> CustomKeyExtractor {
        CustomKeyExtractor(body: body, sourceDescription: sourceDescription, maximumBytes: max(1, maximumBytes))
    }
}

/// Tries extractors in order and uses the first key found, such as an API key, else the client address.
public struct FallbackKeyExtractor: RateLimitKeyExtractor {
    public let extractors: [any RateLimitKeyExtractor]

    public func key(for request: HTTPRequest) throws(RateLimitKeyError) -> RateLimitKey? {
        // A malformed earlier source is an error, not a reason to fall through: otherwise a client
        // holding a spent API key could send a broken one and be limited by address instead.
        for extractor in extractors {
            if let key = try extractor.key(for: request) { return key }
        }
        return nil
    }

    public var sourceDescription: String {
        extractors.map(\.sourceDescription).joined(separator: " or ")
    }
}

extension RateLimitKeyExtractor where Self == FallbackKeyExtractor {
    /// The first key any of `extractors` finds, in order.
    public static func firstAvailable(_ extractors: any RateLimitKeyExtractor...) -> FallbackKeyExtractor {
        FallbackKeyExtractor(extractors: extractors)
    }
}
