import Testing
@testable import Simulation

/// The guarantees the walkthroughs state, checked on every built-in trace.
@Suite struct AlgorithmGuaranteeTests {
    static let limits = [
        try! SimulationLimit(capacity: 5, ratePerSecond: 1),
        try! SimulationLimit(capacity: 3, ratePerSecond: 3),
        try! SimulationLimit(capacity: 10, ratePerSecond: 0.5),
    ]

    @Test(arguments: BuiltInTrace.allCases)
    func tokenBucketsNeverAdmitMoreThanCapacityPlusRateTimesWindow(trace builtIn: BuiltInTrace) throws {
        for limit in Self.limits {
            let trace = builtIn.trace(for: limit)
            for algorithm in [StageOneTokenBucket.self, StageFourGCRA.self] as [any RateLimitAlgorithm.Type] {
                let run = try Simulation.run(algorithm, trace: trace, limit: limit)
                // Windows from a tenth of W up to twice W, so both short and long spans are checked.
                for tenths in [1, 2, 5, 10, 20] {
                    let window = limit.window * tenths / 10
                    let busiest = RunSummary(run, window: window).maximumInWindow
                    // A millionth of a token of slack: stage 1 keeps tokens as a Double.
                    #expect(Double(busiest) <= limit.tokenBucketBound(over: window) + 1e-6,
                            "\(algorithm.name) on \(builtIn.rawValue), window \(window)")
                }
            }
        }
    }

    @Test func fixedWindowAdmitsTwiceTheCapacityAcrossABoundary() throws {
        for limit in Self.limits {
            let trace = BuiltInTrace.boundaryBurst.trace(for: limit)
            // The whole burst spans 2W/5; in that span a token bucket may admit capacity + rate·2W/5 = 1.4 × capacity.
            let span = limit.window * 2 / 5
            let fixed = RunSummary(try Simulation.run(FixedWindowCounter.self, trace: trace, limit: limit), window: span)
            #expect(fixed.maximumInWindow == 2 * limit.capacity)
            let bucket = RunSummary(try Simulation.run(StageFourGCRA.self, trace: trace, limit: limit), window: span)
            #expect(Double(bucket.maximumInWindow) <= limit.tokenBucketBound(over: span))
            #expect(bucket.maximumInWindow < 2 * limit.capacity)
        }
    }

    @Test(arguments: BuiltInTrace.allCases)
    func stageOneAndStageFourBucketsAgreeOnEveryBuiltInTrace(trace builtIn: BuiltInTrace) throws {
        let limit = Self.limits[0]
        let trace = builtIn.trace(for: limit)
        let one = try Simulation.run(StageOneTokenBucket.self, trace: trace, limit: limit)
        let four = try Simulation.run(StageFourGCRA.self, trace: trace, limit: limit)
        #expect(one.outcomes.map(\.decision.isAllowed) == four.outcomes.map(\.decision.isAllowed))
    }

    @Test func thunderingHerdClientsAllReturnAtTheSameInstant() {
        let limit = Self.limits[0]
        let times = Set(BuiltInTrace.thunderingHerd.trace(for: limit).requests.map(\.time))
        #expect(times == [.zero, limit.window, limit.window * 2])
    }
}
