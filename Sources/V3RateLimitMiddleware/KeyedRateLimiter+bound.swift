import Synchronization

/// What the limiter does when its key table is full: drop buckets that carry no state, or refuse.
extension KeyedRateLimiter {
    /// How long a sweep that found little to drop holds off the next one.
    ///
    /// A sweep walks every bucket under the lock; without this pause a client sending a new key
    /// per request into a full table would buy a full walk with every request.
    static var sweepBackoff: Duration { .seconds(1) }

    /// Drops every bucket that is full at `now`; true when that left room for one more key.
    ///
    /// A full bucket carries no state: a fresh one made later for the same key starts full too,
    /// so dropping it changes no decision. Dropping anything else (least recently used, say)
    /// would hand its key a fresh burst; that trade-off is stage 4's eviction policy.
    /// Called with the lock held, which also orders every access to `earliestNextSweep`.
    func makeRoom(in buckets: inout [Key: TokenBucket], at now: MonotonicInstant) -> Bool {
        guard now.nanoseconds >= earliestNextSweep.load(ordering: .relaxed) else { return false }
        let before = buckets.count
        buckets = buckets.filter { _, bucket in
            bucket.availableTokens(at: now) + TokenBucket.tolerance < Double(bucket.limit.capacity)
        }
        // A sweep that freed a sixteenth of the table pays for itself over the inserts it
        // allows; one that freed less must not run again at once, or each new key costs a walk.
        if before - buckets.count < max(1, maximumKeyCount / 16) {
            earliestNextSweep.store((now + Self.sweepBackoff).nanoseconds, ordering: .relaxed)
        }
        return buckets.count < maximumKeyCount
    }

    /// The answer for a new key while the table is full of buckets still in use.
    ///
    /// New keys are refused (fail closed) rather than admitted unmetered (fail open): admitting
    /// them would let anyone who can mint keys, say with many IPv6 addresses, bypass the limit
    /// simply by filling the table first. Keys that already have a bucket are unaffected.
    func refusalWhileFull(limit: BucketLimit, at now: MonotonicInstant) -> RateLimitDecision {
        let nextSweep = MonotonicInstant(nanoseconds: earliestNextSweep.load(ordering: .relaxed))
        let wait = max(nextSweep.duration(since: now), .nanoseconds(1))
        return RateLimitDecision(isAllowed: false, remainingTokens: 0, retryAfter: wait, resetAfter: wait, limit: limit)
    }
}
