/// A fixed-window counter, written here only for contrast: the algorithm stage 1 argues against.
///
/// Time is cut into windows of `capacity / rate` seconds starting at zero; each window admits
/// `capacity` requests (costs add up) and the count restarts at every boundary. Same long-run
/// rate and same burst as the token buckets, but nothing links one window to the next: a client
/// can spend a full window just before a boundary and another just after it, twice the capacity
/// in a moment. `boundary-burst` shows it.
public struct FixedWindowCounter: RateLimitAlgorithm {
    public static let name = "fixed-window"
    public static let summary = "simulator only: capacity requests per window of capacity/rate seconds"

    private let capacity: Int
    private let windowNanoseconds: Int64
    /// Which window `used` counts, as an index from time zero.
    private var windowIndex: Int64 = 0
    /// Slots spent in the current window.
    private var used = 0

    /// An empty window at time zero.
    public init(limit: SimulationLimit) throws(SimulationError) {
        capacity = limit.capacity
        windowNanoseconds = max(limit.window.nanosecondCount, 1)
    }

    public mutating func decide(cost: Int, at time: Duration) -> SimulatedDecision {
        let nanoseconds = time.nanosecondCount
        let index = nanoseconds / windowNanoseconds
        if index != windowIndex {
            windowIndex = index
            used = 0
        }
        if used + cost <= capacity {
            used += cost
            return SimulatedDecision(isAllowed: true)
        }
        // Nothing frees up before the next boundary: that is the Retry-After a fixed window gives.
        let nextBoundary = (index + 1) * windowNanoseconds
        return SimulatedDecision(isAllowed: false, retryAfter: .nanoseconds(nextBoundary - nanoseconds))
    }

    public func allowance(at time: Duration) -> Double {
        let index = time.nanosecondCount / windowNanoseconds
        return Double(index == windowIndex ? capacity - used : capacity)
    }
}
