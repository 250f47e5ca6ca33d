import HTTPEngine
import Synchronization
import Testing
import V5ProductionLimiter

/// The failure policy on a system clock, asked from an event loop: the store is called on that
/// loop's thread and the loop's timer ends a call that hangs. Nothing here waits on time but the
/// hang test, whose outcome does not depend on how long the wait takes.
@Suite struct GuardedStoreLoopTimingTests {
    static let limit = try! RateLimit(name: "10/m", 10, per: .seconds(60))
    static let request = try! RateLimitRequest(key: "ip:192.0.2.1", limits: [limit])

    /// A scripted store that also notes whether each call ran on `loop`'s thread.
    final class LoopCheckingStore: RateLimitStore, Sendable {
        let scripted = ScriptedStore(clock: ManualClock())
        let loop: EventLoop
        private let callsOnLoop = Atomic<Int>(0)
        private let callsElsewhere = Atomic<Int>(0)

        init(loop: EventLoop) {
            self.loop = loop
        }

        var counts: (onLoop: Int, elsewhere: Int) {
            (callsOnLoop.load(ordering: .relaxed), callsElsewhere.load(ordering: .relaxed))
        }

        func decide(_ request: RateLimitRequest) async throws(RateLimitStoreError) -> StoreDecision {
            if loop.inEventLoop {
                callsOnLoop.add(1, ordering: .relaxed)
            } else {
                callsElsewhere.add(1, ordering: .relaxed)
            }
            return try await scripted.decide(request)
        }

        func inspect(_ request: RateLimitRequest) async throws(RateLimitStoreError) -> StoreInspection {
            try await scripted.inspect(request)
        }
    }

    @Test func aStoreAskedFromALoopIsCalledOnThatLoopsThread() async throws {
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.loops[0]
        let store = LoopCheckingStore(loop: loop)
        let guarded = GuardedStore(store: store, mode: .failClosed, timeout: .seconds(60), clock: MonotonicClock())
        let decisions = try await loop.perform {
            [await guarded.decide(Self.request, on: loop), await guarded.decide(Self.request, on: loop)]
        }
        #expect(decisions.allSatisfy { $0.path == .store && $0.isAllowed })
        #expect(store.counts == (onLoop: 2, elsewhere: 0))
        await group.shutdown()
    }

    @Test func inMemoryDecisionsOnALoopInOneTurnAreMadeAtTheTurnsTime() async throws {
        // 1,000 per second: each admission puts the bucket's reset 1 ms further off. Decided at
        // the same instant, the second reset is exactly 1 ms after the first; with a clock read
        // per decision, the time between the two calls comes off it.
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.loops[0]
        let guarded = GuardedStore.inMemory(maximumKeyCount: 64)
        let request = try RateLimitRequest(key: "ip:192.0.2.9", limits: [RateLimit(name: "1000/s", 1000, per: .seconds(1))])
        let resets = try await loop.perform {
            [guarded.decideImmediately(request, on: loop), guarded.decideImmediately(request, on: loop)].map { $0?.storeDecision?.resetAfter }
        }
        #expect(resets == [.milliseconds(1), .milliseconds(2)])
        await group.shutdown()
    }

    @Test func theLoopsTimerEndsAStoreCallThatHangs() async throws {
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.loops[0]
        let store = LoopCheckingStore(loop: loop)
        store.scripted.behave(.hang)
        let guarded = GuardedStore(store: store, mode: .failOpen, timeout: .milliseconds(20), clock: MonotonicClock())
        // The hang ignores cancellation: only the timer can end the wait.
        let decision = try await loop.perform { await guarded.decide(Self.request, on: loop) }
        #expect(decision == .failedOpen(cause: .timedOut(.milliseconds(20))))
        #expect(store.counts == (onLoop: 1, elsewhere: 0))
        store.scripted.releaseHanging()
        await group.shutdown()
    }

    @Test func aHandMovedClockStillTimesTheCallEvenWhenAskedFromALoop() async throws {
        // A loop's timer counts real time; a test's clock is moved by hand, so its sleep decides.
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.loops[0]
        let clock = ManualClock()
        let store = LoopCheckingStore(loop: loop)
        store.scripted.behave(.hang)
        let guarded = GuardedStore(store: store, mode: .failClosed, timeout: .milliseconds(50), clock: clock)
        let pending = Task { try await loop.perform { await guarded.decide(Self.request, on: loop) } }
        await store.scripted.waitForHanging(count: 1)
        await clock.waitForSleepers(count: 1)
        clock.advance(by: .milliseconds(50))
        #expect(try await pending.value == .failedClosed(cause: .timedOut(.milliseconds(50))))
        // The general race runs the call on the global executor, not on the loop.
        #expect(store.counts == (onLoop: 0, elsewhere: 1))
        store.scripted.releaseHanging()
        await group.shutdown()
    }
}
