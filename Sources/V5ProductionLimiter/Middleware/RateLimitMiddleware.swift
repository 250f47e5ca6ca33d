import HTTPEngine

/// HTTP middleware that asks a store, through its failure policy, whether a request's key may
/// spend one unit of each of its limits.
///
/// Admitted requests go on to the next handler, and its response gains the rate-limit fields
/// (of the most restrictive limit); refused ones are answered here with 429 and `Retry-After`;
/// requests whose key material is unusable get 400 and spend nothing. When the store fails, the
/// policy decides: fail-closed answers 503 with a JSON body, fail-open admits and marks the
/// response with `X-RateLimit-Degraded: fail-open`, the fallback decides locally and marks it
/// `X-RateLimit-Degraded: fallback`.
///
/// ```swift
/// let guarded = GuardedStore(store: store, mode: .failClosed, timeout: .milliseconds(50), clock: MonotonicClock())
/// let limited = api.wrapped(in: RateLimitMiddleware(
///     store: guarded,
///     limits: [try RateLimit(name: "10/s", 10, per: .seconds(1)), try RateLimit(name: "1000/h", 1000, per: .seconds(3600))],
///     keyExtractor: .firstAvailable(.apiKey(), .clientAddress)
/// ))
/// ```
public struct RateLimitMiddleware<KeyExtractor: RateLimitKeyExtractor>: HTTPMiddleware {
    /// The store behind its failure policy; shared if several middlewares should count together.
    public let store: GuardedStore
    /// The limits a key is held to.
    public let limitsForKey: @Sendable (RateLimitKey) -> [RateLimit]
    /// How a request's key is found.
    public let keyExtractor: KeyExtractor
    /// Which headers and bodies responses carry.
    public let configuration: RateLimitResponseConfiguration

    /// The response header that says a response was decided without the shared store.
    public static var degradedHeaderName: String { Degradation.fieldName }

    /// A middleware holding each key to `limitsForKey(key)`, decided by `store`.
    ///
    /// A closure returning limits no request can carry (none, too many, duplicate names) makes
    /// the request fail with 500 naming the problem: a configuration error, reported per request
    /// rather than crashing the server.
    public init(
        store: GuardedStore,
        keyExtractor: KeyExtractor,
        configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration(),
        limitsForKey: @escaping @Sendable (RateLimitKey) -> [RateLimit]
    ) {
        self.store = store
        self.limitsForKey = limitsForKey
        self.keyExtractor = keyExtractor
        self.configuration = configuration
    }

    /// A middleware holding every key to `limits`; they must form a valid request (a precondition).
    public init(
        store: GuardedStore,
        limits: [RateLimit],
        keyExtractor: KeyExtractor,
        configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration()
    ) {
        do {
            _ = try RateLimitRequest(key: "", limits: limits)
        } catch {
            preconditionFailure("RateLimitMiddleware: \(error)")
        }
        self.init(store: store, keyExtractor: keyExtractor, configuration: configuration) { _ in limits }
    }

    /// A middleware giving every key one token bucket of `limit` (named `default`), counted in
    /// this process with room for `maximumKeyCount` keys, on `clock`: stage 4's setup.
    public init<LimiterClock: RateLimitClock>(
        limit: BucketLimit,
        keyExtractor: KeyExtractor,
        maximumKeyCount: Int = InMemoryStore<LimiterClock>.defaultMaximumKeyCount,
        configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration(),
        clock: LimiterClock = MonotonicClock()
    ) {
        let store = GuardedStore.inMemory(InMemoryStore(maximumKeyCount: maximumKeyCount, clock: clock))
        let limits = [RateLimit(defaultFor: limit)]
        self.init(store: store, keyExtractor: keyExtractor, configuration: configuration) { _ in limits }
    }

    public func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
        let key: RateLimitKey
        switch Result(catching: { () throws(RateLimitKeyError) in try requiredKey(for: request) }) {
        case .success(let found): key = found
        case .failure(let error): return RateLimitResponses.badRequest(error, configuration: configuration)
        }
        let question: RateLimitRequest
        do {
            question = try RateLimitRequest(key: key.rawValue, limits: limitsForKey(key))
        } catch {
            throw HTTPError(.internalServerError, message: "rate limit configuration: \(error)")
        }
        let decision = await store.decide(question, on: request.eventLoop)
        let fields = decision.storeDecision.map(RateLimitFields.init)
        switch decision {
        case .failedClosed(let cause):
            return RateLimitResponses.serviceUnavailable(cause, configuration: configuration)
        case .decided, .fellBack, .failedOpen:
            if let fields, !decision.isAllowed {
                var refused = RateLimitResponses.tooManyRequests(fields, configuration: configuration)
                decision.degradation.mark(&refused.headers)
                return refused
            }
        }
        var response = try await next.handle(request)
        // The fields describe the limits at the moment of the decision, before the handler ran;
        // re-reading them now would report units other requests spent meanwhile as ours.
        // A handler that throws gets them too: the engine hands us a response for its error.
        fields?.apply(to: &response.headers, style: configuration.headerStyle, policyName: configuration.policyName)
        decision.degradation.mark(&response.headers)
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
