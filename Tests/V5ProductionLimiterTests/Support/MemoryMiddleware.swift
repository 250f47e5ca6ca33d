import V5ProductionLimiter

/// Stage 4's setup on stage 5's parts: a middleware over an in-memory store the test can inspect.
func memoryMiddleware<KeyExtractor: RateLimitKeyExtractor>(
    limit: BucketLimit,
    keyExtractor: KeyExtractor,
    clock: ManualClock = ManualClock()
) -> (RateLimitMiddleware<KeyExtractor>, InMemoryStore<ManualClock>) {
    let store = InMemoryStore(clock: clock)
    let guarded = GuardedStore.inMemory(store)
    let middleware = RateLimitMiddleware(store: guarded, limits: [RateLimit(defaultFor: limit)], keyExtractor: keyExtractor)
    return (middleware, store)
}
