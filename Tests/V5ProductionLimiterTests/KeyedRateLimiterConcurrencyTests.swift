import Dispatch
import Synchronization
import TestSupport
import Testing
import V5ProductionLimiter

/// With time frozen nothing refills, so any admission beyond capacity is a lost update.
private let frozen = MonotonicInstant(nanoseconds: 42_000_000_000)

@Suite struct KeyedRateLimiterConcurrencyTests {
    @Test func threadsHammeringOneKeyGetExactlyCapacityAdmissions() async throws {
        let capacity = 20_000
        let limiter = KeyedRateLimiter<String, ManualClock>(limit: try BucketLimit(capacity: capacity, refillRatePerSecond: 1), clock: ManualClock())
        let workers = 8
        let admitted = await onOwnThread {
            let admitted = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                var mine = 0
                for _ in 0..<(capacity / 2) where limiter.consume(key: "shared", at: frozen).isAllowed {
                    mine += 1
                }
                admitted.add(mine, ordering: .relaxed)
            }
            return admitted.load(ordering: .relaxed)
        }
        // 8 workers × 10,000 attempts = 80,000 tries for 20,000 tokens.
        #expect(admitted == capacity)
    }

    @Test func tasksHammeringOneKeyGetExactlyCapacityAdmissions() async throws {
        let capacity = 5_000
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: try BucketLimit(capacity: capacity, refillRatePerSecond: 1), clock: ManualClock())
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    (0..<1_000).filter { _ in limiter.consume(key: 0, at: frozen).isAllowed }.count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == capacity)
    }

    @Test func manyKeysConcurrentlyEachGetExactlyTheirCapacity() async throws {
        let capacity = 50
        let keys = 400
        let limiter = KeyedRateLimiter<Int, ManualClock>(limit: try BucketLimit(capacity: capacity, refillRatePerSecond: 1), clock: ManualClock())
        let perKey = await onOwnThread {
            // One slot per worker, written by that worker alone; `concurrentPerform` returns after
            // every worker, which orders the writes before the sum. (Totals behind a `Mutex` were
            // the rejected alternative: a contended `Mutex` hands over in the kernel, where
            // ThreadSanitizer cannot see it, and it reported a race on them.)
            nonisolated(unsafe) let counts = UnsafeMutableBufferPointer<[Int]>.allocate(capacity: 8)
            _ = counts.initialize(from: repeatElement([], count: 8))
            defer {
                _ = counts.deinitialize()
                counts.deallocate()
            }
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                var mine = [Int](repeating: 0, count: keys)
                // Each worker walks the keys in a different order so first-use races happen on every key.
                for round in 0..<(capacity / 4 + 1) {
                    for step in 0..<keys {
                        let key = (step * 7 + worker * 53 + round) % keys
                        if limiter.consume(key: key, at: frozen).isAllowed { mine[key] += 1 }
                    }
                }
                counts[worker] = mine
            }
            return (0..<keys).map { key in counts.reduce(0) { $0 + $1[key] } }
        }
        // 8 workers × 13 rounds = 104 tries per key for 50 tokens.
        #expect(limiter.keyCount == keys)
        #expect(perKey.allSatisfy { $0 == capacity })
    }

    @Test func concurrentFirstUseOfOneKeyCreatesOneBucket() async throws {
        let limit = try BucketLimit(capacity: 3, refillRatePerSecond: 1)
        let racers = 6
        for trial in 0..<20 {
            // `limitForKey` runs after a thread has missed the lookup and before it inserts, so
            // holding every racer inside it until all six have arrived forces the race on every
            // trial: six misses, then six inserts. Left to the scheduler, the window is a few
            // nanoseconds wide, and a slow path that overwrote the bucket passed 30 of 33 runs.
            let barrier = StartBarrier(parties: racers)
            let limiter = KeyedRateLimiter<Int, ManualClock>(clock: ManualClock()) { _ in
                barrier.arriveAndWait()
                return limit
            }
            let decisions = await runOnThreads(racers) { _ in limiter.consume(key: trial, at: frozen) }
            #expect(barrier.hasReleasedEveryPartyTogether)
            // Six buckets were built for one new key and only the first inserted survives, so
            // its three tokens are spent once; a later insert replacing it would admit all six.
            #expect(decisions.filter(\.isAllowed).count == 3)
            #expect(!limiter.consume(key: trial, at: frozen).isAllowed)
            #expect(limiter.keyCount == 1)
        }
    }
}
