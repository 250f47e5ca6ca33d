/// One decision: every limit of the key read, decided, and charged together under one lock.
extension InMemoryStore {
    func decide(_ request: RateLimitRequest, at now: Int64) -> StoreDecision {
        let (set, identity) = location(of: request.key)
        return table.withSetLocked(set) {
            let way = table.find(tag: identity & BucketTable.hashMask, inSet: set)?.way ?? claimSlot(set: set, identity: identity, at: now)
            let slot = set * BucketTable.waysPerSet + way
            if request.limits.count == 1 { return decideSingle(request, slot: slot, set: set, way: way, at: now) }
            var charged: [LimitState] = []
            var answers: [StoreDecision] = []
            for limit in request.limits {
                let state = entries[slot].first { $0.limit == limit }?.state ?? .fresh(at: now)
                let (answer, newState) = state.decide(cost: request.cost, limit: limit, at: now)
                answers.append(answer)
                if let newState { charged.append(newState) }
            }
            let decision = StoreDecision.combining(answers)
            // All or nothing: a refusal by any limit charges no limit's state.
            if decision.isAllowed {
                for (limit, state) in zip(request.limits, charged) { store(state, for: limit, inSlot: slot, at: now) }
                publishForgettableInstant(set: set, way: way, slot: slot)
            } else {
                keepRebasedStates(of: request.limits, inSlot: slot, at: now)
            }
            return decision
        }
    }

    /// After a refusal, writes the states a clock that stepped back left ahead of it taken back
    /// to `now` (`LimitState.rebased`): charging nothing, and so that the next decision does
    /// not rebase from a later now again. Set lock held.
    private func keepRebasedStates(of limits: [RateLimit], inSlot slot: Int, at now: Int64) {
        for index in entries[slot].indices where limits.contains(entries[slot][index].limit) {
            if let rebased = entries[slot][index].state.rebased(for: entries[slot][index].limit, at: now) { entries[slot][index].state = rebased }
        }
    }

    /// The set `key` lives in and its identity in the table.
    func location(of key: String) -> (set: Int, identity: UInt64) {
        let hash = UInt64(UInt(bitPattern: key.hashValue))
        // The low byte is stage 4's limit index; here it only keeps an identity non-zero.
        return (table.set(for: hash), (hash & BucketTable.hashMask) | 1)
    }

    /// The common case, one limit: the same rule without the arrays. Set lock held.
    private func decideSingle(_ request: RateLimitRequest, slot: Int, set: Int, way: Int, at now: Int64) -> StoreDecision {
        let limit = request.limits[0]
        let index = entries[slot].firstIndex { $0.limit == limit }
        let state = index.map { entries[slot][$0].state } ?? .fresh(at: now)
        let (decision, charged) = state.decide(cost: request.cost, limit: limit, at: now)
        guard let charged else {
            if let index, let rebased = state.rebased(for: limit, at: now) { entries[slot][index].state = rebased }
            return decision
        }
        if let index {
            entries[slot][index].state = charged
        } else {
            store(charged, for: limit, inSlot: slot, at: now)
        }
        publishForgettableInstant(set: set, way: way, slot: slot)
        return decision
    }

    /// Gives a new key a slot of `set`, evicting the key with the least state to lose. Set lock held.
    private func claimSlot(set: Int, identity: UInt64, at now: Int64) -> Int {
        // A new key's arrival is "now": its limits are fresh, so it is as forgettable as a full bucket.
        switch table.claim(set: set, identity: identity, arrival: now, now: now) {
        case .none: metrics.liveKeysChanged(by: 1)
        case .fullBucket:
            fullBucketsEvicted.add(1, ordering: .relaxed)
            metrics.keyEvicted(hadState: false)
        case .bucketWithState:
            bucketsWithStateEvicted.add(1, ordering: .relaxed)
            metrics.keyEvicted(hadState: true)
        }
        let way = table.find(tag: identity & BucketTable.hashMask, inSet: set)!.way
        entries[set * BucketTable.waysPerSet + way] = []
        return way
    }

    /// Replaces `limit`'s state in the slot, adding it if new; a slot holding `limitStatesPerKey`
    /// states drops the one that is forgettable earliest. Set lock held.
    private func store(_ state: LimitState, for limit: RateLimit, inSlot slot: Int, at now: Int64) {
        if let index = entries[slot].firstIndex(where: { $0.limit == limit }) {
            entries[slot][index].state = state
            return
        }
        // Forget states that no longer matter before growing: a key whose limits were
        // reconfigured would otherwise carry the old ones until evicted.
        entries[slot].removeAll { $0.state.forgettableAt(limit: $0.limit) <= now }
        if entries[slot].count >= limitStatesPerKey.load(ordering: .relaxed),
           let oldest = entries[slot].indices.min(by: { entries[slot][$0].state.forgettableAt(limit: entries[slot][$0].limit) < entries[slot][$1].state.forgettableAt(limit: entries[slot][$1].limit) }) {
            entries[slot].remove(at: oldest)
        }
        entries[slot].append(LimitEntry(limit: limit, state: state))
    }

    /// Sets the slot's arrival word to the latest instant any of its limits is forgettable, so
    /// stage 4's eviction order ("least state to lose first") holds for keys with several limits.
    private func publishForgettableInstant(set: Int, way: Int, slot: Int) {
        // A loop, not `map(...).max()`: this runs on every admission, and `map` allocates.
        var latest = Int64.min
        for entry in entries[slot] { latest = max(latest, entry.state.forgettableAt(limit: entry.limit)) }
        // Every writer holds the set lock, so the swap cannot meet a concurrent change.
        let word = table.arrivalWord(set: set, way: way)
        _ = table.exchangeArrival(set: set, way: way, expected: word, desired: latest)
    }
}
