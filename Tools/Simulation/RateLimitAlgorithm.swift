/// One rate-limiting algorithm as the simulator drives it: a limiter for one key, on simulated time.
///
/// Adding an algorithm is one type conforming to this protocol and one line in
/// `RateLimitAlgorithms.all`; the table, the charts, the `--algorithms` flag and the tests that
/// loop over every algorithm pick it up from there, as stage 5's sliding window did.
public protocol RateLimitAlgorithm: Sendable {
    /// The name used by `--algorithms`, tables and charts, such as `v1-token-bucket`.
    static var name: String { get }
    /// One line for `--help`: what the algorithm is and where it comes from.
    static var summary: String { get }

    /// A limiter for one key, fresh (a full bucket, an empty window) at time zero.
    init(limit: SimulationLimit) throws(SimulationError)

    /// Decides one request of `cost` at `time`; times never decrease between calls.
    mutating func decide(cost: Int, at time: Duration) -> SimulatedDecision

    /// What is left to spend at `time` without spending it: tokens, or slots left in the window.
    func allowance(at time: Duration) -> Double
}

/// The answer to one simulated request.
public struct SimulatedDecision: Hashable, Sendable {
    /// Whether the request was admitted.
    public var isAllowed: Bool
    /// For a refused request, how long until the same request would be admitted; nil when admitted.
    public var retryAfter: Duration?

    /// A decision with the given outcome.
    public init(isAllowed: Bool, retryAfter: Duration? = nil) {
        self.isAllowed = isAllowed
        self.retryAfter = retryAfter
    }
}

/// The registry of algorithms the simulator knows, in the order tables and charts list them.
public enum RateLimitAlgorithms {
    /// Every algorithm; add a new one here (one line) after writing its type.
    public static let all: [any RateLimitAlgorithm.Type] = [
        StageOneTokenBucket.self,
        StageFourGCRA.self,
        StageFiveSlidingWindow.self,
        FixedWindowCounter.self,
    ]

    /// The algorithm called `name`, if there is one.
    public static func named(_ name: String) -> (any RateLimitAlgorithm.Type)? {
        all.first { $0.name == name }
    }

    /// The algorithms in a comma-separated list such as `v1-token-bucket,fixed-window`, or `all`.
    public static func parse(_ list: String) throws(SimulationError) -> [any RateLimitAlgorithm.Type] {
        if list == "all" { return all }
        var chosen: [any RateLimitAlgorithm.Type] = []
        for name in list.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = CSVTrace.trimmed(name)
            guard let algorithm = named(trimmed) else {
                let known = all.map { $0.name }.joined(separator: ", ")
                throw SimulationError("unknown algorithm '\(trimmed)'; known: \(known), or all")
            }
            if !chosen.contains(where: { $0 == algorithm }) { chosen.append(algorithm) }
        }
        return chosen
    }
}
