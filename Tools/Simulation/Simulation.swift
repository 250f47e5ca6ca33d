/// What became of one request in a run.
public struct RequestOutcome: Hashable, Sendable {
    /// The request as the trace gave it.
    public var request: TraceRequest
    /// The algorithm's answer.
    public var decision: SimulatedDecision
    /// The allowance of the request's key just after the decision, for marking it on a chart.
    public var allowanceAfter: Double
}

/// One algorithm replayed over one trace: every decision, and the allowance of the charted key over time.
public struct AlgorithmRun: Sendable {
    /// The algorithm's registry name.
    public var algorithm: String
    /// The limit it was given.
    public var limit: SimulationLimit
    /// One outcome per request, in trace order.
    public var outcomes: [RequestOutcome]
    /// The key whose allowance `levels` follows: the trace's busiest key.
    public var chartedKey: String?
    /// (time, allowance) points for `chartedKey`, in time order, dense enough to draw as a line.
    public var levels: [(time: Duration, allowance: Double)]
}

/// Replays traces through algorithms on simulated time: no clock is read, nothing sleeps.
public enum Simulation {
    /// Allowance samples across the trace, besides the points at every request; enough for a smooth line.
    static let sampleCount = 600

    /// Runs `trace` through a fresh limiter per key of `algorithm`, under `limit`.
    public static func run(
        _ algorithm: any RateLimitAlgorithm.Type, trace: Trace, limit: SimulationLimit
    ) throws(SimulationError) -> AlgorithmRun {
        try algorithm.replay(trace, limit: limit)
    }
}

extension RateLimitAlgorithm {
    /// The run, with this algorithm's type known, so limiters are stored unboxed.
    static func replay(_ trace: Trace, limit: SimulationLimit) throws(SimulationError) -> AlgorithmRun {
        var limiters: [String: Self] = [:]
        var outcomes: [RequestOutcome] = []
        outcomes.reserveCapacity(trace.requests.count)
        let chartedKey = trace.busiestKey
        var charted = try Self(limit: limit)
        var levels: [(time: Duration, allowance: Double)] = []
        let step = max(trace.end / Simulation.sampleCount, .nanoseconds(1))
        var nextSample = Duration.zero

        /// Samples the charted limiter on the regular grid up to (not including) `time`.
        func sample(upTo time: Duration, including: Bool) {
            while nextSample < time || (including && nextSample == time) {
                levels.append((nextSample, charted.allowance(at: nextSample)))
                nextSample += step
            }
        }

        for request in trace.requests {
            var limiter: Self
            if let existing = limiters[request.key] { limiter = existing } else { limiter = try Self(limit: limit) }
            let isCharted = request.key == chartedKey
            if isCharted {
                sample(upTo: request.time, including: false)
                levels.append((request.time, limiter.allowance(at: request.time)))
            }
            let decision = limiter.decide(cost: request.cost, at: request.time)
            let after = limiter.allowance(at: request.time)
            limiters[request.key] = limiter
            if isCharted {
                charted = limiter
                levels.append((request.time, after))
            }
            outcomes.append(RequestOutcome(request: request, decision: decision, allowanceAfter: after))
        }
        sample(upTo: trace.end, including: true)
        return AlgorithmRun(algorithm: name, limit: limit, outcomes: outcomes, chartedKey: chartedKey, levels: levels)
    }
}
