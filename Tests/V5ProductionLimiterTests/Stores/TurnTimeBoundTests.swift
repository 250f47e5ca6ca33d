import Testing
import V5ProductionLimiter

/// The bound `GuardedStore.decideImmediately(_:on:)` promises for decisions made at an event
/// loop's turn time rather than at each request's own instant: over any span of real time a
/// token bucket admits at most `capacity + rate × (span + L)`, `L` the longest turn.
///
/// Attacked from the hostile side: two loops whose turns start at unrelated instants, so the
/// store sees judged instants that step back and forth between them, with requests bunched at
/// the ends of long turns (the most lag a request can carry). Real time is simulated: a
/// request's real instant is when its loop handles it, its judged instant its turn's start.
@Suite struct TurnTimeBoundTests {
    /// One request as the store sees it.
    struct Arrival {
        /// When the loop handled it.
        let real: Int64
        /// When its loop's turn began: the instant it is decided at.
        let judged: Int64
    }

    /// Two loops' turns, each at most `longestTurn` long, each handling a few requests.
    static func schedule(seed: UInt64, longestTurn: Int64, requestCount: Int) -> [Arrival] {
        var random = SeededGenerator(state: seed)
        var arrivals: [Arrival] = []
        for _ in 0..<2 {
            var turnStart: Int64 = 1_000_000_000 + Int64.random(in: 0...longestTurn, using: &random)
            var handled = 0
            while handled < requestCount / 2 {
                let length = [longestTurn, Int64.random(in: 0...longestTurn, using: &random)].randomElement(using: &random)!
                for _ in 0..<Int.random(in: 1...6, using: &random) {
                    // At the turn's very end half the time: the request then carries the whole turn's lag.
                    let offset = Bool.random(using: &random) ? length : Int64.random(in: 0...length, using: &random)
                    arrivals.append(Arrival(real: turnStart + offset, judged: turnStart))
                    handled += 1
                }
                // The next turn starts when this one ends, or after an idle wait.
                turnStart += length + [0, Int64.random(in: 0...(4 * longestTurn), using: &random)].randomElement(using: &random)!
            }
        }
        // The stripe lock orders decisions in real time, whichever loop makes them.
        return arrivals.sorted { $0.real < $1.real }
    }

    @Test(arguments: 0..<30 as Range<UInt64>)
    func decisionsAtTurnStartsAdmitAtMostCapacityPlusRateTimesSpanAndLongestTurn(seed: UInt64) throws {
        var random = SeededGenerator(state: seed ^ 0xA5A5)
        let capacity = Int.random(in: 1...8, using: &random)
        // 0.1 ms to 10 ms a token; turns up to five tokens long, so the lag matters.
        let tokenNanoseconds = Int64.random(in: 100_000...10_000_000, using: &random)
        let longestTurn = Int64.random(in: 1...5, using: &random) * tokenNanoseconds
        let limit = try RateLimit(name: "bound", capacity, per: .nanoseconds(Int64(capacity) * tokenNanoseconds))
        let request = try RateLimitRequest(key: "ip:192.0.2.7", limits: [limit])
        let store = InMemoryStore(clock: ManualClock())
        let admitted = Self.schedule(seed: seed, longestTurn: longestTurn, requestCount: 400)
            .filter { store.decide(request, at: MonotonicInstant(nanoseconds: $0.judged)).isAllowed }
            .map(\.real)
        #expect(admitted.count > capacity, "seed \(seed): the schedule never reached the limit")
        // Checked in plain code, first excess reported (an `#expect` per window is too slow).
        var excess: (count: Int, span: Int64)?
        windows: for first in admitted.indices {
            for last in first..<admitted.count {
                let span = admitted[last] - admitted[first]
                let allowed = Double(capacity) + Double(span + longestTurn) / Double(tokenNanoseconds)
                if Double(last - first + 1) > allowed + 1e-9 {
                    excess = (last - first + 1, span)
                    break windows
                }
            }
        }
        #expect(excess == nil, "seed \(seed): \(excess?.count ?? 0) admissions in \(excess?.span ?? 0) ns")
    }

    @Test func aRequestLateInALongTurnCanBeAdmittedUpToTheTurnsLengthEarly() throws {
        // The bound is not slack on paper: one token a millisecond, a burst of one. Loop A's turn
        // began 0.9 ms before it handles a request at 1.0000 s; loop B, in a fresh turn, handles
        // the next at 1.0002 s. Judged 1.1 ms apart, both are admitted: two requests 0.2 ms
        // apart, where a clock read per request admits one.
        let limit = try RateLimit(name: "1/ms", 1, per: .milliseconds(1))
        let request = try RateLimitRequest(key: "ip:192.0.2.8", limits: [limit])
        let atTurnStarts = InMemoryStore(clock: ManualClock())
        let first = atTurnStarts.decide(request, at: MonotonicInstant(nanoseconds: 999_100_000))
        let second = atTurnStarts.decide(request, at: MonotonicInstant(nanoseconds: 1_000_200_000))
        #expect(first.isAllowed && second.isAllowed)
        let atEachRequest = InMemoryStore(clock: ManualClock())
        _ = atEachRequest.decide(request, at: MonotonicInstant(nanoseconds: 1_000_000_000))
        #expect(!atEachRequest.decide(request, at: MonotonicInstant(nanoseconds: 1_000_200_000)).isAllowed)
    }
}
