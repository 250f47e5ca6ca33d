/// One decision: find the key's slot without a lock, then spend with compare-and-swap.
extension KeyedRateLimiter {
    /// Spends `cost` tokens of `key`'s bucket at `now` (nanoseconds since the limiter's `epoch`).
    func decide(cost: Int, key: Key, at now: Int64) throws(RateLimitError) -> RateLimitDecision {
        // One hash per decision: its high bits pick the set, its other bits identify the key.
        let hash = UInt64(UInt(bitPattern: key.hashValue))
        let tag = hash & BucketTable.hashMask
        let set = table.set(for: hash)
        while true {
            guard let (way, identity) = table.find(tag: tag, inSet: set) else {
                return try decideForNewKey(key, cost: cost, tag: tag, set: set, at: now)
            }
            let limit = limits[UInt8(truncatingIfNeeded: identity)]
            if cost != 1 { try TokenBucket.validate(cost: cost, limit: limit) }
            if let decision = spend(cost, set: set, way: way, identity: identity, limit: limit, at: now) {
                return decision
            }
            // The slot was given to another key while we looked; look again.
        }
    }

    /// The lock-free part: read the arrival, decide, publish the new arrival if tokens were taken.
    ///
    /// Returns nil if the slot stops holding `identity` before the decision is settled. The
    /// identity is checked *after* reading the arrival word (as a sequence lock's reader checks
    /// its counter), so the arrival decided on belonged to this key; a refusal then returns
    /// without writing anything shared, and an admission's compare-and-swap succeeds only if the
    /// word, generation included, is unchanged since it was read (see `ArrivalWord`).
    @inline(__always)
    func spend(_ cost: Int, set: Int, way: Int, identity: UInt64, limit: BucketLimit, at now: Int64) -> RateLimitDecision? {
        var word = table.arrivalWord(set: set, way: way)
        while true {
            guard table.identity(set: set, way: way) == identity else { return nil }
            let arrival = ArrivalWord.arrival(of: word)
            let (decision, newArrival) = TokenBucket.decide(cost: cost, arrival: arrival, at: now, limit: limit)
            guard let newArrival else { return decision }
            let (exchanged, current) = table.exchangeArrival(set: set, way: way, expected: word, desired: newArrival)
            if exchanged { return decision }
            // Another thread spent from this bucket first, or the slot changed hands: look again.
            word = current
        }
    }

    /// The slow path: a key with no slot gets a full bucket, evicting if its set is full.
    ///
    /// The set's lock makes "look again, then claim" one step, so two threads seeing the same new
    /// key cannot both give it a fresh bucket (the first-use race stages 2 and 3 closed with a
    /// dictionary's `default:`). Decisions for keys already present never wait for it.
    private func decideForNewKey(_ key: Key, cost: Int, tag: UInt64, set: Int, at now: Int64) throws(RateLimitError) -> RateLimitDecision {
        // The user's closure runs before the lock: it may be slow, and must not stall the set.
        let limit = limitForKey?(key) ?? limits[Self.singleLimitIndex]
        let limitIndex = limitForKey == nil ? Self.singleLimitIndex : limits.index(for: limit)
        try TokenBucket.validate(cost: cost, limit: limit)
        return table.withSetLocked(set) {
            if let (way, identity) = table.find(tag: tag, inSet: set) {
                // Another thread added it while we were unlocked; spend from theirs. Under the
                // lock nobody can evict it, so `spend` cannot return nil.
                let existing = limits[UInt8(truncatingIfNeeded: identity)]
                if let decision = spend(cost, set: set, way: way, identity: identity, limit: existing, at: now) {
                    return decision
                }
            }
            // A missing bucket is a full one: its arrival is any instant up to now.
            let (decision, arrival) = TokenBucket.decide(cost: cost, arrival: now, at: now, limit: limit)
            let eviction = table.claim(set: set, identity: tag | UInt64(limitIndex), arrival: arrival ?? now, now: now)
            switch eviction {
            case .none: break
            case .fullBucket: fullBucketsEvicted.add(1, ordering: .relaxed)
            case .bucketWithState: bucketsWithStateEvicted.add(1, ordering: .relaxed)
            }
            return decision
        }
    }
}
