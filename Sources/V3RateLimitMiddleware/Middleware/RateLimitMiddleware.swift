import HTTPEngine

/// HTTP middleware that spends one token per request from the bucket of the request's key.
///
/// Admitted requests go on to the next handler, and its response gains the rate-limit fields;
/// refused ones are answered here with 429 and `Retry-After`; a new key the limiter has no room
/// for gets 503 and `Retry-After` (see `capacityRejections`); requests whose key material is
/// unusable (too long, not UTF-8, control characters, repeated) get 400 and spend nothing.
///
/// ```swift
/// let limited = api.wrapped(in: RateLimitMiddleware(
///     limit: try BucketLimit(capacity: 10, refillRatePerSecond: 1),
///     keyExtractor: .firstAvailable(.apiKey(), .clientAddress)
/// ))
/// ```
public struct RateLimitMiddleware<KeyExtractor: RateLimitKeyExtractor>: HTTPMiddleware {
    /// The buckets, one per key; shared if several middlewares should count together.
    public let limiter: KeyedRateLimiter<RateLimitKey>
    /// How a request's key is found.
    public let keyExtractor: KeyExtractor
    /// Which headers and bodies responses carry.
    public let configuration: RateLimitResponseConfiguration
    /// Where "now" comes from; tests inject a manual clock so nothing sleeps.
    let clock: @Sendable () -> MonotonicInstant

    /// A middleware deciding with `limiter`, which may give keys different limits.
    public init(
        limiter: KeyedRateLimiter<RateLimitKey>,
        keyExtractor: KeyExtractor,
        configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration(),
        clock: @escaping @Sendable () -> MonotonicInstant = { MonotonicInstant.now() }
    ) {
        self.limiter = limiter
        self.keyExtractor = keyExtractor
        self.configuration = configuration
        self.clock = clock
    }

    /// A middleware giving every key `limit`, with at most `maximumKeyCount` buckets.
    public init(
        limit: BucketLimit,
        keyExtractor: KeyExtractor,
        maximumKeyCount: Int = KeyedRateLimiter<RateLimitKey>.defaultMaximumKeyCount,
        configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration(),
        clock: @escaping @Sendable () -> MonotonicInstant = { MonotonicInstant.now() }
    ) {
        self.init(
            limiter: KeyedRateLimiter(limit: limit, maximumKeyCount: maximumKeyCount),
            keyExtractor: keyExtractor,
            configuration: configuration,
            clock: clock
        )
    }

    /// How many requests got 503 because the limiter's key table was full; see `KeyedRateLimiter.capacityRejections`.
    public var capacityRejections: Int { limiter.capacityRejections }

    public func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
        let key: RateLimitKey
        switch Result(catching: { () throws(RateLimitKeyError) in try requiredKey(for: request) }) {
        case .success(let found): key = found
        case .failure(let error): return RateLimitResponses.badRequest(error, configuration: configuration)
        }
        let decision = limiter.consume(key: key, at: clock())
        let fields = RateLimitFields(decision)
        switch decision.outcome {
        case .allowed: break
        case .limited: return RateLimitResponses.tooManyRequests(fields, configuration: configuration)
        case .limiterAtCapacity: return RateLimitResponses.limiterAtCapacity(retryAfter: decision.retryAfter, configuration: configuration)
        }
        var response = try await next.handle(request)
        // The fields describe the bucket at the moment of the decision, before the handler ran;
        // re-reading the bucket now would report tokens other requests spent meanwhile as ours.
        // A handler that throws gets them too: the engine hands us a response for its error.
        fields.apply(to: &response.headers, style: configuration.headerStyle, policyName: configuration.policyName)
        return response
    }

    /// The request's key; throws when it is malformed or every source is absent.
    private func requiredKey(for request: HTTPRequest) throws(RateLimitKeyError) -> RateLimitKey {
        guard let key = try keyExtractor.key(for: request) else {
            throw .missing(sources: keyExtractor.sourceDescription)
        }
        return key
    }
}
