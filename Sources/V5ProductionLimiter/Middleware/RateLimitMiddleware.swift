import HTTPEngine

/// HTTP middleware that spends one token per request from the bucket of the request's key.
///
/// Admitted requests go on to the next handler, and its response gains the rate-limit fields;
/// refused ones are answered here with 429 and `Retry-After`; requests whose key material is
/// unusable (too long, not UTF-8, control characters, repeated) get 400 and spend nothing.
/// Every key gets a bucket: a full table evicts (see `KeyedRateLimiter.statistics`).
///
/// ```swift
/// let limited = api.wrapped(in: RateLimitMiddleware(
///     limit: try BucketLimit(capacity: 10, refillRatePerSecond: 1),
///     keyExtractor: .firstAvailable(.apiKey(), .clientAddress)
/// ))
/// ```
public struct RateLimitMiddleware<KeyExtractor: RateLimitKeyExtractor, LimiterClock: RateLimitClock>: HTTPMiddleware {
    /// The buckets, one per key, and the clock they are judged by; shared if several
    /// middlewares should count together.
    public let limiter: KeyedRateLimiter<RateLimitKey, LimiterClock>
    /// How a request's key is found.
    public let keyExtractor: KeyExtractor
    /// Which headers and bodies responses carry.
    public let configuration: RateLimitResponseConfiguration

    /// A middleware deciding with `limiter`, which may give keys different limits.
    public init(
        limiter: KeyedRateLimiter<RateLimitKey, LimiterClock>,
        keyExtractor: KeyExtractor,
        configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration()
    ) {
        self.limiter = limiter
        self.keyExtractor = keyExtractor
        self.configuration = configuration
    }

    /// A middleware giving every key `limit`, with room for `maximumKeyCount` buckets, on `clock`.
    public init(
        limit: BucketLimit,
        keyExtractor: KeyExtractor,
        maximumKeyCount: Int = KeyedRateLimiter<RateLimitKey, LimiterClock>.defaultMaximumKeyCount,
        configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration(),
        clock: LimiterClock
    ) {
        self.init(
            limiter: KeyedRateLimiter(limit: limit, maximumKeyCount: maximumKeyCount, clock: clock),
            keyExtractor: keyExtractor,
            configuration: configuration
        )
    }

    public func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
        let key: RateLimitKey
        switch Result(catching: { () throws(RateLimitKeyError) in try requiredKey(for: request) }) {
        case .success(let found): key = found
        case .failure(let error): return RateLimitResponses.badRequest(error, configuration: configuration)
        }
        let decision = limiter.consume(key: key)
        let fields = RateLimitFields(decision)
        guard decision.isAllowed else {
            return RateLimitResponses.tooManyRequests(fields, configuration: configuration)
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

extension RateLimitMiddleware where LimiterClock == MonotonicClock {
    /// A middleware giving every key `limit` on the system's monotonic clock.
    public init(
        limit: BucketLimit,
        keyExtractor: KeyExtractor,
        maximumKeyCount: Int = KeyedRateLimiter<RateLimitKey, MonotonicClock>.defaultMaximumKeyCount,
        configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration()
    ) {
        self.init(limit: limit, keyExtractor: keyExtractor, maximumKeyCount: maximumKeyCount, configuration: configuration, clock: MonotonicClock())
    }
}
