import Testing
@testable import Simulation

/// Stage 5's sliding window as the simulator drives it, against numbers worked out by hand.
@Suite struct SlidingWindowTests {
    /// 3 per 3 s: W = 3 s, so the weight of the previous window drops by one unit a second.
    let limit = try! SimulationLimit(capacity: 3, ratePerSecond: 1)

    func seconds(_ value: Double) -> Duration { .seconds(rounding: value) }

    @Test func allowanceIsTheCapacityLessThePreviousWindowsWeightedCount() throws {
        var window = try StageFiveSlidingWindow(limit: limit)
        #expect(window.allowance(at: .zero) == 3)
        let first = window.decide(cost: 3, at: .zero)
        #expect(first.isAllowed)
        #expect(window.allowance(at: seconds(2.9)) == 0)
        // At 4 s, 1 s into the second window: ⌈3 × (3 − 1) / 3⌉ = 2 counted, 1 left.
        #expect(window.allowance(at: seconds(4)) == 1)
        // ⌈3 × 1.5 / 3⌉ = ⌈1.5⌉ = 2: the estimate rounds up, so 1 left until 5 s.
        #expect(window.allowance(at: seconds(4.5)) == 1)
        #expect(window.allowance(at: seconds(5)) == 2)
        // ⌈3 × 0.001 / 3⌉ = 1 until the very end of the second window; then nothing is counted.
        #expect(window.allowance(at: seconds(5.999)) == 2)
        #expect(window.allowance(at: seconds(6)) == 3)
    }

    @Test func refusalWaitsUntilThePreviousWindowWeighsLessByOne() throws {
        var window = try StageFiveSlidingWindow(limit: limit)
        _ = window.decide(cost: 3, at: .zero)
        // At 4 s: 2 weighted + 0 current, so one fits; then 2 + 1 = 3 and the next is refused
        // until 5 s, where the previous window weighs ⌈3 × 1 / 3⌉ = 1 and 1 + 1 + 1 = 3 fits.
        let admitted = window.decide(cost: 1, at: seconds(4))
        #expect(admitted.isAllowed)
        let refused = window.decide(cost: 1, at: seconds(4))
        #expect(!refused.isAllowed)
        #expect(refused.retryAfter == .seconds(1))
        #expect(window.allowance(at: seconds(4)) == 0)
        let later = window.decide(cost: 1, at: seconds(5))
        #expect(later.isAllowed)
    }

    @Test func probingTheAllowanceNeverChangesADecision() throws {
        // `Simulation.run` probes the charted key hundreds of times; a limiter never probed must agree.
        for builtIn in BuiltInTrace.allCases {
            let trace = builtIn.trace(for: limit)
            let run = try Simulation.run(StageFiveSlidingWindow.self, trace: trace, limit: limit)
            var unprobed = try StageFiveSlidingWindow(limit: limit)
            let decisions = trace.requests.map { unprobed.decide(cost: $0.cost, at: $0.time) }
            #expect(run.outcomes.map(\.decision) == decisions, "\(builtIn.rawValue)")
        }
    }

    @Test func boundaryBurstIsHeldToTheCapacityWhereTheFixedWindowAdmitsTwice() throws {
        for capacity in [3, 5, 10] {
            let limit = try SimulationLimit(capacity: capacity, ratePerSecond: 1)
            let trace = BuiltInTrace.boundaryBurst.trace(for: limit)
            // The burst spans 2W/5 from 0.8 W. Stage 5's first window starts at the first
            // request and lasts W, so it holds the whole burst: capacity admitted, the rest refused.
            let span = limit.window * 2 / 5
            let sliding = RunSummary(try Simulation.run(StageFiveSlidingWindow.self, trace: trace, limit: limit), window: span)
            #expect(sliding.admitted == capacity)
            #expect(sliding.rejected == capacity)
            #expect(sliding.maximumInWindow == capacity)
            let fixed = RunSummary(try Simulation.run(FixedWindowCounter.self, trace: trace, limit: limit), window: span)
            #expect(fixed.maximumInWindow == 2 * capacity)
        }
    }

    @Test func clientTimingTheBoundaryGetsMoreThanTheCapacityInOneWindowButNotTwice() throws {
        // 4 per 4 s. One request opens the window [0, 4); three more at 3.9 s fill it. Then one a
        // second: at 4 s the previous 4 weigh ⌈4 × 4/4⌉ = 4 (refused); at 5 s 3 + 0 (admitted),
        // at 6 s 2 + 1, at 7 s 1 + 2 (admitted), at 7.9 s ⌈0.4⌉ = 1 + 3 = 4 (refused).
        let limit = try SimulationLimit(capacity: 4, ratePerSecond: 1)
        let times = [0, 3.9, 3.9, 3.9, 4, 5, 6, 7, 7.9]
        let trace = Trace(name: "timed", requests: times.map { TraceRequest(time: seconds($0), key: "a") })
        let run = try Simulation.run(StageFiveSlidingWindow.self, trace: trace, limit: limit)
        #expect(run.outcomes.map(\.decision.isAllowed) == [true, true, true, true, false, true, true, true, false])
        // [3.9 s, 7.9 s] is one window of W = 4 s holding 3 + 3 = 6 admissions: 1.5 × the capacity.
        #expect(RunSummary(run, window: limit.window).maximumInWindow == 6)
    }
}
