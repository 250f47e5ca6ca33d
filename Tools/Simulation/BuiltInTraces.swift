/// The built-in request patterns, each scaled to the limit so it means the same at any capacity.
///
/// W below is the limit's window, `capacity / rate`: the time a bucket takes to refill from empty.
public enum BuiltInTrace: String, CaseIterable, Sendable {
    /// 4 × capacity requests, evenly spaced at twice the rate: the bucket drains, then half are refused.
    case steady
    /// 2 × capacity requests at once at W/5, idle for 2 W (the bucket refills), then the same burst again.
    case burstThenIdle = "burst-then-idle"
    /// Three ramps, each from nothing up to three times the rate over 2 W, then a sudden stop.
    case sawtooth
    /// Capacity requests in the last fifth of W before the fixed window's boundary at W, and capacity in the first fifth after.
    case boundaryBurst = "boundary-burst"
    /// 3 × capacity clients sharing one key, refused together; each wave retries after the same Retry-After, W.
    case thunderingHerd = "thundering-herd"

    /// One line for `--help`.
    public var summary: String {
        switch self {
        case .steady: "4×capacity requests evenly spaced at twice the rate"
        case .burstThenIdle: "2×capacity at once at W/5, idle 2W, the same burst again"
        case .sawtooth: "three ramps from 0 to 3×rate over 2W each, then a sudden stop"
        case .boundaryBurst: "capacity requests in the W/5 before the boundary at W, capacity after"
        case .thunderingHerd: "3×capacity clients on one key, refused together, all retrying after W"
        }
    }

    /// The trace for `limit`; every request uses the key "client" (or "shared" for the herd).
    public func trace(for limit: SimulationLimit) -> Trace {
        let capacity = limit.capacity
        let window = limit.window.inSeconds
        let interval = 1 / limit.ratePerSecond
        var times: [Double] = []
        var key = "client"
        var end: Double
        switch self {
        case .steady:
            times = (0..<(4 * capacity)).map { Double($0) * interval / 2 }
            end = Double(4 * capacity) * interval / 2 + window
        case .burstThenIdle:
            // Starting a little after zero keeps the first burst off the chart's edge.
            times = Array(repeating: window / 5, count: 2 * capacity) + Array(repeating: window / 5 + 2 * window, count: 2 * capacity)
            end = 3 * window
        case .sawtooth:
            // A rate growing linearly from 0 to 3·rate over a period P has N(s) = 1.5·rate·s²/P
            // arrivals by time s, so the k-th arrives at s = sqrt(k·P / (1.5·rate)).
            let period = 2 * window
            let perRamp = Int((1.5 * limit.ratePerSecond * period).rounded(.down))
            for ramp in 0..<3 {
                for k in 1...max(perRamp, 1) {
                    times.append(Double(ramp) * period + (Double(k) * period / (1.5 * limit.ratePerSecond)).squareRoot())
                }
            }
            end = 3 * period + window / 2
        case .boundaryBurst:
            // Evenly spread over a fifth of a window on each side, so the whole burst spans 2W/5.
            let spacing = window / 5 / Double(capacity)
            times = (0..<capacity).map { window - window / 5 + Double($0) * spacing }
                + (0..<capacity).map { window + Double($0) * spacing }
            end = 2 * window
        case .thunderingHerd:
            // Every wave admits capacity and tells the rest the same Retry-After, so they all return together.
            key = "shared"
            for wave in 0..<3 {
                times += Array(repeating: Double(wave) * window, count: (3 - wave) * capacity)
            }
            end = 3 * window
        }
        let requests = times.map { TraceRequest(time: .seconds(rounding: $0), key: key) }
        return Trace(name: rawValue, requests: requests, end: .seconds(rounding: end))
    }
}
