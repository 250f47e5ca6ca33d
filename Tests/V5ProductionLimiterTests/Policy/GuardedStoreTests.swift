import Testing
import V5ProductionLimiter

/// What the failure policy does when the store fails, hangs, or comes back; no test sleeps.
@Suite struct GuardedStoreTests {
    static let limit = try! RateLimit(name: "10/m", 10, per: .seconds(60))
    static let request = try! RateLimitRequest(key: "ip:192.0.2.1", limits: [limit])

    struct Subject {
        let clock = ManualClock()
        let store: ScriptedStore
        let metrics = PrometheusMetrics()
        let guarded: GuardedStore

        init(mode: FailureMode, breaker: CircuitBreaker.Configuration = CircuitBreaker.Configuration(failureThreshold: 3, openDuration: .seconds(5))) {
            store = ScriptedStore(clock: clock)
            guarded = GuardedStore(store: store, mode: mode, timeout: .milliseconds(50), breaker: breaker, clock: clock, metrics: metrics)
        }

        /// Fails the store three times, the default threshold here, which opens the breaker.
        func openBreaker() async {
            store.behave(.fail(.unreachable("down")))
            for _ in 0..<3 { _ = await guarded.decide(GuardedStoreTests.request) }
        }
    }

    @Test func aHealthyStoreDecides() async {
        let subject = Subject(mode: .failClosed)
        let decision = await subject.guarded.decide(Self.request)
        #expect(decision.path == .store && decision.isAllowed)
    }

    @Test func aServersInMemoryStoreDecidesOnTheSpotAndCountsEachDecision() throws {
        let metrics = PrometheusMetrics()
        let guarded = GuardedStore.inMemory(maximumKeyCount: 64, metrics: metrics)
        let twoPerMinute = try RateLimitRequest(key: "ip:192.0.2.1", limits: [RateLimit(name: "2/m", 2, per: .seconds(60))])
        let decisions = (0..<3).map { _ in guarded.decideImmediately(twoPerMinute) }
        #expect(decisions.map { $0?.isAllowed } == [true, true, false])
        #expect(decisions.allSatisfy { $0?.path == .store })
        #expect(metrics.decisionCount(outcome: .allowed, path: .store) == 2)
        #expect(metrics.decisionCount(outcome: .limited, path: .store) == 1)
        #expect(guarded.decideImmediately(try RateLimitRequest(key: "ip:192.0.2.2", limits: [RateLimit(name: "2/m", 2, per: .seconds(60))]))?.isAllowed == true)
    }

    @Test func failOpenAdmitsAndCountsIt() async {
        let subject = Subject(mode: .failOpen)
        subject.store.behave(.fail(.unreachable("connection refused")))
        let decision = await subject.guarded.decide(Self.request)
        #expect(decision == .failedOpen(cause: .unreachable("connection refused")))
        #expect(subject.metrics.decisionCount(outcome: .allowed, path: .failOpen) == 1)
        #expect(subject.metrics.storeErrorCount(kind: "unreachable") == 1)
    }

    @Test func failClosedRefusesWithoutALimit() async {
        let subject = Subject(mode: .failClosed)
        subject.store.behave(.fail(.serverError("BUSY")))
        let decision = await subject.guarded.decide(Self.request)
        #expect(decision == .failedClosed(cause: .serverError("BUSY")))
        #expect(decision.storeDecision == nil && !decision.isAllowed)
    }

    @Test func fallbackEnforcesItsShareOfTheLimitLocally() async {
        let subject = Subject(mode: .fallback(share: 0.5), breaker: CircuitBreaker.Configuration(failureThreshold: 100))
        subject.store.behave(.fail(.unreachable("down")))
        var admitted = 0
        for _ in 0..<20 {
            let decision = await subject.guarded.decide(Self.request)
            #expect(decision.path == .fallback)
            if decision.isAllowed { admitted += 1 }
        }
        #expect(admitted == 5)
    }

    @Test func aHangingStoreCostsExactlyTheTimeOut() async throws {
        let subject = Subject(mode: .failClosed)
        subject.store.behave(.hang)
        let pending = Task { await subject.guarded.decide(Self.request) }
        await subject.store.waitForHanging(count: 1)
        await subject.clock.waitForSleepers(count: 1)
        subject.clock.advance(by: .milliseconds(49))
        #expect(subject.clock.sleeperCount == 1)
        subject.clock.advance(by: .milliseconds(1))
        // The store is still hanging: the answer came from the time-out alone.
        #expect(await pending.value == .failedClosed(cause: .timedOut(.milliseconds(50))))
        subject.store.releaseHanging()
    }

    @Test func inspectingAHangingStoreCostsExactlyTheTimeOut() async throws {
        let subject = Subject(mode: .failOpen)
        subject.store.behave(.hang)
        let pending = Task { () async -> Result<StoreInspection, RateLimitStoreError> in
            do throws(RateLimitStoreError) {
                return .success(try await subject.guarded.inspect(Self.request))
            } catch {
                return .failure(error)
            }
        }
        await subject.store.waitForHanging(count: 1)
        await subject.clock.waitForSleepers(count: 1)
        subject.clock.advance(by: .milliseconds(49))
        #expect(subject.clock.sleeperCount == 1)
        subject.clock.advance(by: .milliseconds(1))
        #expect(await pending.value == .failure(.timedOut(.milliseconds(50))))
        subject.store.releaseHanging()
    }

    @Test func inspectionAsksTheStoreWhileTheBreakerIsOpenAndTellsTheBreakerNothing() async throws {
        let subject = Subject(mode: .failClosed)
        await subject.openBreaker()
        subject.store.behave(.answer)
        let calls = subject.store.calls
        let inspection = try await subject.guarded.inspect(Self.request)
        #expect(inspection.limits.map(\.remaining) == [10] && inspection.isAdmitted)
        #expect(subject.store.calls == calls + 1)
        // Neither the answer nor a failure moves the breaker: an operator's question is not traffic.
        #expect(subject.guarded.breaker.state == .open)
        subject.store.behave(.fail(.unreachable("down")))
        await #expect(throws: RateLimitStoreError.unreachable("down")) { try await subject.guarded.inspect(Self.request) }
        #expect(subject.guarded.breaker.state == .open)
        #expect(subject.metrics.storeErrorCount(kind: "unreachable") == 3)
    }

    @Test func theBreakerOpensAfterTheThresholdAndStopsAskingTheStore() async {
        let subject = Subject(mode: .failClosed)
        await subject.openBreaker()
        #expect(subject.guarded.breaker.state == .open)
        for _ in 0..<100 {
            #expect(await subject.guarded.decide(Self.request) == .failedClosed(cause: .circuitOpen))
        }
        #expect(subject.store.calls == 3)
    }

    /// The breaker the proxy runs (no configuration given): open after 5 failures in a row, not
    /// 4, and one probe after 1 s, not 999 ms; 100 requests in between cost the store nothing.
    @Test func theDefaultBreakerOpensAfterFiveFailuresAndProbesAfterOneSecond() async {
        let clock = ManualClock()
        let store = ScriptedStore(clock: clock)
        let guarded = GuardedStore(store: store, mode: .failOpen, timeout: .milliseconds(50), clock: clock)
        store.behave(.fail(.unreachable("down")))
        for _ in 0..<4 { _ = await guarded.decide(Self.request) }
        #expect(guarded.breaker.state == .closed)
        _ = await guarded.decide(Self.request)
        #expect(guarded.breaker.state == .open)
        for _ in 0..<100 { #expect(await guarded.decide(Self.request) == .failedOpen(cause: .circuitOpen)) }
        #expect(store.calls == 5)
        clock.advance(by: .milliseconds(999))
        _ = await guarded.decide(Self.request)
        #expect(store.calls == 5)
        store.behave(.answer)
        clock.advance(by: .milliseconds(1))
        #expect(await guarded.decide(Self.request).path == .store)
        #expect(store.calls == 6 && guarded.breaker.state == .closed)
    }

    @Test func theBreakerProbesOnceAfterTheOpenTimeAndClosesOnSuccess() async {
        let subject = Subject(mode: .failClosed)
        await subject.openBreaker()
        subject.store.behave(.answer)
        subject.clock.advance(by: .milliseconds(4_999))
        #expect(await subject.guarded.decide(Self.request) == .failedClosed(cause: .circuitOpen))
        subject.clock.advance(by: .milliseconds(1))
        #expect(await subject.guarded.decide(Self.request).path == .store)
        #expect(subject.guarded.breaker.state == .closed)
        #expect(subject.store.calls == 4)
    }

    @Test func aFailedProbeReopensForAnotherOpenTime() async {
        let subject = Subject(mode: .failClosed)
        await subject.openBreaker()
        subject.clock.advance(by: .seconds(5))
        #expect(await subject.guarded.decide(Self.request) == .failedClosed(cause: .unreachable("down")))
        #expect(subject.guarded.breaker.state == .open)
        subject.clock.advance(by: .milliseconds(4_999))
        _ = await subject.guarded.decide(Self.request)
        #expect(subject.store.calls == 4)
    }

    @Test func whileTheProbeIsOutNobodyElseAsksTheStore() async {
        let subject = Subject(mode: .failOpen)
        await subject.openBreaker()
        subject.clock.advance(by: .seconds(5))
        subject.store.behave(.hang)
        let probe = Task { await subject.guarded.decide(Self.request) }
        await subject.store.waitForHanging(count: 1)
        #expect(subject.guarded.breaker.state == .halfOpen)
        #expect(await subject.guarded.decide(Self.request) == .failedOpen(cause: .circuitOpen))
        #expect(subject.store.calls == 4)
        subject.store.releaseHanging()
        #expect(await probe.value.path == .store)
        #expect(subject.guarded.breaker.state == .closed)
    }

    @Test func sixtyFourRequestsAtTheMomentTheBreakerHalfOpensSendExactlyOneProbe() async {
        let subject = Subject(mode: .failOpen)
        await subject.openBreaker()
        subject.clock.advance(by: .seconds(5))
        subject.store.behave(.hang)
        let callsBefore = subject.store.calls
        let decisions = await withTaskGroup(of: PolicyDecision.self) { group in
            for _ in 0..<64 { group.addTask { await subject.guarded.decide(Self.request) } }
            // A guard against a hang only: with a breaker that let more than one probe through,
            // the extra ones would hang and the wait below with them.
            let watchdog = Task {
                try? await Task.sleep(for: .seconds(30))
                guard !Task.isCancelled else { return }
                subject.store.behave(.answer)
                subject.store.releaseHanging()
            }
            // Every request but the probe is decided without the store, while the probe hangs.
            var decisions: [PolicyDecision] = []
            for _ in 0..<63 { decisions.append(await group.next()!) }
            watchdog.cancel()
            #expect(subject.store.calls == callsBefore + 1)
            subject.store.releaseHanging()
            decisions.append(await group.next()!)
            return decisions
        }
        #expect(decisions.count { $0 == .failedOpen(cause: .circuitOpen) } == 63)
        #expect(decisions.count { $0.path == .store } == 1)
        #expect(subject.guarded.breaker.state == .closed)
    }

    /// What a hung store costs, from the hostile side: the requests of one time-out wait for it,
    /// and once their time-outs have opened the breaker, nothing more does.
    @Test func aHungStoreHoldsOneTimeOutsWorthOfRequestsAndNoMoreOnceTheBreakerOpens() async {
        let subject = Subject(mode: .failOpen)
        subject.store.behave(.hang)
        // A wave arriving before anything failed: each asks the store and waits out its time-out.
        let wave = Task {
            await withTaskGroup(of: PolicyDecision.self) { group in
                for _ in 0..<100 { group.addTask { await subject.guarded.decide(Self.request) } }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        await subject.store.waitForHanging(count: 100)
        await subject.clock.waitForSleepers(count: 100)
        subject.clock.advance(by: .milliseconds(50))
        let waited = await wave.value
        #expect(waited.count { $0 == .failedOpen(cause: .timedOut(.milliseconds(50))) } == 100)
        #expect(subject.guarded.breaker.state == .open)

        // A guard against a hang only: with a breaker that let these through to the hung store,
        // they would wait on a clock nobody advances.
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(30))
            guard !Task.isCancelled else { return }
            subject.store.behave(.answer)
            subject.store.releaseHanging()
        }
        let after = await withTaskGroup(of: PolicyDecision.self) { group in
            for _ in 0..<1_000 { group.addTask { await subject.guarded.decide(Self.request) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        watchdog.cancel()
        #expect(after.count { $0 == .failedOpen(cause: .circuitOpen) } == 1_000)
        #expect(subject.store.calls == 100)
        // Nothing is left waiting on a time-out either.
        #expect(subject.clock.sleeperCount == 0)
        subject.store.releaseHanging()
    }

    @Test func successesResetTheFailureCount() async {
        let subject = Subject(mode: .failClosed)
        for _ in 0..<5 {
            subject.store.behave(.fail(.unreachable("flaky")))
            for _ in 0..<2 { _ = await subject.guarded.decide(Self.request) }
            subject.store.behave(.answer)
            _ = await subject.guarded.decide(Self.request)
        }
        #expect(subject.guarded.breaker.state == .closed)
    }
}
