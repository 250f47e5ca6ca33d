/// The numbers the table shows for one run.
public struct RunSummary: Hashable, Sendable {
    /// Requests admitted.
    public var admitted: Int
    /// Requests refused.
    public var rejected: Int
    /// The most cost admitted in any closed window `[t, t + window]`, all keys together: what the server behind sees.
    public var maximumInWindow: Int
    /// The window `maximumInWindow` was measured over.
    public var window: Duration
    /// When that busiest window starts; nil if nothing was admitted.
    public var busiestWindowStart: Duration?
    /// The longest a refused request was told to wait (its retry-after); nil if none was refused.
    public var longestWait: Duration?

    /// The summary of `run`, measuring the busiest window of length `window`.
    public init(_ run: AlgorithmRun, window: Duration) {
        let admittedOutcomes = run.outcomes.filter(\.decision.isAllowed)
        admitted = admittedOutcomes.count
        rejected = run.outcomes.count - admitted
        self.window = window
        longestWait = run.outcomes.compactMap(\.decision.retryAfter).max()
        (maximumInWindow, busiestWindowStart) = Self.busiestWindow(
            admittedOutcomes.map { ($0.request.time, $0.request.cost) }, length: window)
    }

    /// The largest total cost in any window `[start, start + length]`, and its start.
    ///
    /// The busiest window can always be slid right until it starts at an admission, so trying
    /// each admission as the start is enough; two pointers make it linear.
    static func busiestWindow(_ admissions: [(time: Duration, cost: Int)], length: Duration) -> (Int, Duration?) {
        var best = 0
        var bestStart: Duration?
        var end = 0
        var total = 0
        for start in admissions.indices {
            while end < admissions.count, admissions[end].time - admissions[start].time <= length {
                total += admissions[end].cost
                end += 1
            }
            if total > best {
                best = total
                bestStart = admissions[start].time
            }
            total -= admissions[start].cost
        }
        return (best, bestStart)
    }
}
