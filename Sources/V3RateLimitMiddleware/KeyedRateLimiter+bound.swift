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
    /// Called with the lock held, which also orders every access to the atomics it stores.
    func makeRoom(in buckets: inout [Key: TokenBucket], at now: MonotonicInstant) -> Bool {
        guard now.nanoseconds >= earliestNextSweep.load(ordering: .relaxed) else { return false }
        let before = buckets.count
        var soonestFull = Int64.max
        buckets = buckets.filter { _, bucket in
            let untilFull = bucket.timeUntilFull(at: now)
            guard untilFull > .zero else { return false }
            soonestFull = min(soonestFull, (now + untilFull).nanoseconds)
            return true
        }
        earliestDroppable.store(soonestFull, ordering: .relaxed)
        // A sweep that freed a sixteenth of the table pays for itself over the inserts it
        // allows; one that freed less must not run again at once, or each new key costs a walk.
        if before - buckets.count < max(1, maximumKeyCount / 16) {
            earliestNextSweep.store((now + Self.sweepBackoff).nanoseconds, ordering: .relaxed)
        }
        return buckets.count < maximumKeyCount
    }

    /// Notes that a bucket touched at `now` is full again `resetAfter` later. Lock held.
    ///
    /// Keeps `earliestDroppable` a lower bound between sweeps: a bucket added after the last
    /// sweep may refill sooner than every bucket that sweep kept.
    func noteRefill(at now: MonotonicInstant, after resetAfter: Duration) {
        let full = (now + resetAfter).nanoseconds
        if full < earliestDroppable.load(ordering: .relaxed) {
            earliestDroppable.store(full, ordering: .relaxed)
        }
    }

    /// The answer for a new key while the table is full of buckets still in use. Lock held.
    ///
    /// New keys are refused (fail closed) rather than admitted unmetered (fail open): admitting
    /// them would let anyone who can mint keys, say with many IPv6 addresses, bypass the limit
    /// simply by filling the table first. Keys that already have a bucket are unaffected.
    ///
    /// The refusal is `.limiterAtCapacity`, not `.limited`: the client spent nothing, and
    /// telling it "too many requests" with a one-second retry (what this used to say) blames
    /// it for the limiter's state and invites it back long before anything can change.
    func refusalWhileFull(limit: BucketLimit, at now: MonotonicInstant) -> RateLimitDecision {
        capacityRejectionCount.add(1, ordering: .relaxed)
        // Why this wait is the truthful one: V3 never forgets a bucket that is still refilling,
        // so room appears only when (a) some bucket is full again, the earliest instant any
        // entry can be dropped, and (b) a sweep is allowed to run and drop it. `earliestDroppable`
        // is the soonest (a) known: exact at the last sweep, and only too early since, because
        // spending delays a bucket's refill and new buckets lower it in `noteRefill`; (b) is
        // exact now. So the client is never told to come back later than room could appear.
        // It may find no room when it does: the soonest bucket was spent meanwhile, another
        // newcomer's sweep pushed the next one back, or another newcomer took the room first;
        // then it gets a fresh answer. Stage 4 evicts instead, and this wait disappears.
        let roomAt = max(earliestDroppable.load(ordering: .relaxed), earliestNextSweep.load(ordering: .relaxed))
        let wait = max(MonotonicInstant(nanoseconds: roomAt).duration(since: now), .nanoseconds(1))
        return RateLimitDecision(
            outcome: .limiterAtCapacity,
            remainingTokens: 0,
            retryAfter: wait,
            resetAfter: wait,
            nextTokenAfter: wait,
            limit: limit
        )
    }

    /// How many requests were refused because the table had no room for their key.
    ///
    /// A steadily rising count means `maximumKeyCount` is too small for the real clients, or
    /// that someone is filling the table with junk keys; either way new clients are locked out.
    public var capacityRejections: Int {
        capacityRejectionCount.load(ordering: .relaxed)
    }
}
