/// Forgetting idle keys: a bucket that has stayed full for a while is removed from the table.
///
/// Not needed for memory (the table is allocated once) nor for room (a new key evicts the
/// least-loaded bucket of its set on its own, amortised over inserts). It keeps `keyCount`
/// meaning "clients seen recently", lets inserts find empty slots instead of evicting, and
/// stops the table from holding on to client identifiers (hashes of addresses and API keys)
/// longer than the limit needs them.
///
/// Removing a full bucket never changes a decision: a missing bucket *is* a full bucket, so the
/// key's next request finds exactly what it would have found.
extension KeyedRateLimiter {
    /// Removes buckets full for at least `idleTime` at `now`, visiting at most `setLimit` sets
    /// (eight keys each) from where the previous call stopped; returns how many were removed.
    ///
    /// Bounded work per call: each set is locked on its own for eight comparisons, so no
    /// decision waits longer than that; decisions for present keys take no lock at all.
    @discardableResult
    public func removeIdleBuckets(idleFor idleTime: Duration, at now: MonotonicInstant, setLimit: Int = .max) -> Int {
        precondition(idleTime >= .zero, "removeIdleBuckets(idleFor:) needs a time that is not negative")
        let cutoff = tableTime(now).saturatingAdding(-idleTime.wholeNanoseconds)
        let visits = min(max(setLimit, 0), table.setCount)
        var removed = 0
        for _ in 0..<visits {
            // Relaxed: the cursor only spreads work; two cleaners sharing it visit a set twice at worst.
            let visit = cleanupCursor.wrappingAdd(1, ordering: .relaxed).oldValue
            let set = Int(UInt(bitPattern: visit) % UInt(table.setCount))
            removed += table.withSetLocked(set) { table.removeArrivals(atOrBefore: cutoff, inSet: set) }
        }
        idleBucketsRemoved.add(removed, ordering: .relaxed)
        return removed
    }

    /// Runs `removeIdleBuckets` every `interval` on the limiter's clock until the task is cancelled.
    ///
    /// Each step visits enough sets that the whole table is covered once per `idleTime`, so a
    /// bucket is removed between one and two idle times after it filled. Cancellation ends the
    /// loop at its next sleep (it throws `CancellationError`), the structured way to stop it:
    ///
    /// ```swift
    /// let cleanup = Task { try await limiter.runCleanup(every: .seconds(1), idleFor: .seconds(60)) }
    /// // ... serve ...
    /// cleanup.cancel()
    /// ```
    public func runCleanup(every interval: Duration, idleFor idleTime: Duration) async throws {
        precondition(interval > .zero, "runCleanup(every:) needs a positive interval")
        let stepsPerPass = max(1, Int(min(idleTime / interval, Double(table.setCount))))
        let setsPerStep = max(1, (table.setCount + stepsPerPass - 1) / stepsPerPass)
        while true {
            try await clock.sleep(for: interval)
            removeIdleBuckets(idleFor: idleTime, at: clock.now, setLimit: setsPerStep)
        }
    }
}
