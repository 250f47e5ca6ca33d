/// Reading a key's limits without deciding: `RateLimitStore.inspect` for memory.
extension InMemoryStore {
    public func inspect(_ request: RateLimitRequest) async throws(RateLimitStoreError) -> StoreInspection {
        inspectNow(request)
    }

    /// The inspection at the clock's current time; synchronous, because memory never fails.
    public func inspectNow(_ request: RateLimitRequest) -> StoreInspection {
        inspect(request, at: tableTime(clock.now))
    }

    /// Runs each limit's decision on a copy of its state and keeps nothing. Under the set lock,
    /// because a concurrent decision may be replacing the slot's states; but with `find`, not
    /// `claimSlot`: an unseen key is answered as fresh and given no slot, so inspecting many
    /// keys cannot evict a key that has state.
    func inspect(_ request: RateLimitRequest, at now: Int64) -> StoreInspection {
        let (set, identity) = location(of: request.key)
        let answers = table.withSetLocked(set) {
            let entries = table.find(tag: identity & BucketTable.hashMask, inSet: set).map { self.entries[set * BucketTable.waysPerSet + $0.way] } ?? []
            return request.limits.map { limit in
                let state = entries.first { $0.limit == limit }?.state ?? .fresh(at: now)
                return state.decide(cost: request.cost, limit: limit, at: now).0
            }
        }
        return StoreInspection(answers, for: request)
    }
}
