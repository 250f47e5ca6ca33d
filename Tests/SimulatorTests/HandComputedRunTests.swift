import Testing
@testable import Simulation

/// Small runs whose every number was worked out by hand.
@Suite struct HandComputedRunTests {
    let limit = try! SimulationLimit(capacity: 3, ratePerSecond: 1)

    func summary(of algorithm: any RateLimitAlgorithm.Type, _ requests: [TraceRequest]) throws -> RunSummary {
        let run = try Simulation.run(algorithm, trace: Trace(name: "hand", requests: requests), limit: limit)
        return RunSummary(run, window: limit.window)
    }

    @Test(arguments: [StageOneTokenBucket.self, StageFourGCRA.self] as [any RateLimitAlgorithm.Type])
    func fiveRequestsAtOnceAdmitTheCapacityAndWaitOneTokenForTheRest(algorithm: any RateLimitAlgorithm.Type) throws {
        let requests = Array(repeating: TraceRequest(time: .zero, key: "a"), count: 5)
        let result = try summary(of: algorithm, requests)
        #expect(result.admitted == 3)
        #expect(result.rejected == 2)
        #expect(result.longestWait == .seconds(1))
        #expect(result.maximumInWindow == 3)
    }

    @Test func fixedWindowTellsRefusedRequestsToWaitForTheNextBoundary() throws {
        // Capacity 3 at 1/s: windows of 3 s. Refused at 0.5 s, the window ends at 3 s.
        let requests = [0.0, 0, 0, 0.5].map { TraceRequest(time: .seconds(rounding: $0), key: "a") }
        let result = try summary(of: FixedWindowCounter.self, requests)
        #expect(result.admitted == 3)
        #expect(result.longestWait == .milliseconds(2500))
    }

    @Test(arguments: RateLimitAlgorithms.all)
    func eachKeyHasItsOwnLimiter(algorithm: any RateLimitAlgorithm.Type) throws {
        let requests = ["a", "b", "c"].flatMap { key in Array(repeating: TraceRequest(time: .zero, key: key), count: 4) }
        let result = try summary(of: algorithm, requests)
        #expect(result.admitted == 9)
        #expect(result.rejected == 3)
    }

    @Test func tokenBucketsRefillAtTheRateBetweenRequests() throws {
        // Three spent at 0; by 1.5 s one and a half tokens are back: one admitted, the next refused for 0.5 s.
        let requests = [0.0, 0, 0, 1.5, 1.5].map { TraceRequest(time: .seconds(rounding: $0), key: "a") }
        for algorithm in [StageOneTokenBucket.self, StageFourGCRA.self] as [any RateLimitAlgorithm.Type] {
            let result = try summary(of: algorithm, requests)
            #expect(result.admitted == 4)
            #expect(result.longestWait == .milliseconds(500))
        }
    }

    @Test func busiestWindowCountsBothEndsOfAClosedWindow() {
        // [2.5, 4.5] holds 2.5, 3, 4 and 4.5: both ends count.
        let admissions = [0.0, 2.5, 3, 4, 4.5].map { (time: Duration.seconds(rounding: $0), cost: 1) }
        let (count, start) = RunSummary.busiestWindow(admissions, length: .seconds(2))
        #expect(count == 4)
        #expect(start == .milliseconds(2500))
    }

    @Test func chartsFollowTheKeyWithTheMostRequests() {
        func busiest(_ keys: [String]) -> String? {
            Trace(name: "keys", requests: keys.map { TraceRequest(time: .zero, key: $0) }).busiestKey
        }
        #expect(busiest(["a", "b", "b", "a", "b"]) == "b")
        #expect(busiest(["a", "b", "b", "a"]) == "b")
        #expect(busiest([]) == nil)
    }

    @Test func sameTraceGivesTheSameChartEveryTime() throws {
        let trace = BuiltInTrace.sawtooth.trace(for: limit)
        func chart() throws -> String {
            let runs = try RateLimitAlgorithms.all.map { try Simulation.run($0, trace: trace, limit: limit) }
            return SimulationChart(runs: runs, trace: trace, window: limit.window, kind: .both).svg()
        }
        #expect(try chart() == chart())
    }
}
