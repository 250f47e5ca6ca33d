/// A sliding window estimated from two fixed windows: the classic "sliding window counter".
///
/// Counts units in fixed windows of length `W` (starting at a key's first request), keeping the
/// current and the previous window's count. At `e` into the current window the units "in the
/// last `W`" are estimated as `previous × (W − e) / W + current`, rounded up, assuming the
/// previous window's units were spread evenly. A request fits if estimate + cost ≤ capacity.
///
/// Why the counter and not the log (a timestamp per admitted unit, exact): the log's memory
/// grows with the limit, 8 bytes a unit, so 1,000 per hour is up to 8 KB a key and a million
/// keys 8 GB, and each decision trims a list; the counter is 24 bytes a key for any limit,
/// and O(1). The price is accuracy: with evenly spread traffic it is exact on average, but a
/// client that spends the whole previous window in its last instant can get `capacity × e / W`
/// more inside the next one, so the worst span of length `W` holds up to 2 × capacity (the
/// fixed window's worst case); the walkthrough has the figures.
struct SlidingWindowCounter {
    /// Start of the current window, its count, the previous window's count; rolled forward to `now`.
    private(set) var start: Int64
    private(set) var current: Int64
    private(set) var previous: Int64
    /// Nanoseconds into the current window, `0..<W`.
    private let elapsed: Int64
    /// The window's length, `W`.
    private let window: Int64
    private let capacity: Int64

    /// The window state of `state` as of `now`: whole windows that passed are rolled forward.
    init(state: LimitState, limit: RateLimit, at now: Int64) {
        window = limit.windowNanoseconds
        capacity = Int64(limit.capacity)
        // A start ahead of now (a clock that stepped back) is held there, which can only make us
        // stricter; one more than a second ahead `LimitState.rebased` has taken back to now.
        let since = max(now, state.first) - state.first
        let passed = since / window
        switch passed {
        case 0: (current, previous) = (state.second, state.third)
        case 1: (current, previous) = (0, state.second)
        default: (current, previous) = (0, 0)
        }
        start = state.first + passed * window
        elapsed = since - passed * window
    }

    /// The answer for `cost` units now, and the charged state if they fit.
    func decide(cost: Int, limit: RateLimit) -> (StoreDecision, charged: LimitState?) {
        let units = Int64(cost)
        let used = Self.weighted(previous, remainingOf: window - elapsed, window: window) + current
        let isAllowed = used + units <= capacity
        var after = self
        if isAllowed { after.current += units }
        let remaining = capacity - (isAllowed ? used + units : used)
        let decision = StoreDecision(
            isAllowed: isAllowed,
            limit: limit,
            remaining: Int(remaining),
            retryAfterNanoseconds: isAllowed ? 0 : waitUntilFits(units),
            resetAfterNanoseconds: after.current > 0 ? (window - elapsed) + window : (after.previous > 0 ? window - elapsed : 0),
            nextUnitAfterNanoseconds: remaining >= capacity ? 0 : after.waitUntilFits(remaining + 1)
        )
        return (decision, isAllowed ? LimitState(first: start, second: after.current, third: previous) : nil)
    }

    /// Nanoseconds from now until `units` more would fit, if nobody else spends.
    private func waitUntilFits(_ units: Int64) -> Int64 {
        // In this window: the previous window's weight shrinks until it leaves room.
        let room = capacity - current - units
        if room >= 0 {
            let earliest = previous == 0 ? 0 : window - Self.largestRemaining(weighted: previous, atMost: room, window: window)
            if earliest < window { return max(earliest - elapsed, 0) }
        }
        // In the next window, where this window's count becomes the previous one.
        let nextRoom = capacity - units
        let earliest = current == 0 ? 0 : window - Self.largestRemaining(weighted: current, atMost: nextRoom, window: window)
        return (window - elapsed) + max(earliest, 0)
    }

    /// ⌈count × remaining / window⌉ without overflow (the product can exceed 64 bits).
    static func weighted(_ count: Int64, remainingOf remaining: Int64, window: Int64) -> Int64 {
        guard count > 0, remaining > 0 else { return 0 }
        let product = UInt64(count).multipliedFullWidth(by: UInt64(remaining))
        let (quotient, remainder) = UInt64(window).dividingFullWidth(product)
        return Int64(quotient) + (remainder > 0 ? 1 : 0)
    }

    /// The largest `r ≤ window` with ⌈count × r / window⌉ ≤ `room`: ⌊room × window / count⌋, capped.
    static func largestRemaining(weighted count: Int64, atMost room: Int64, window: Int64) -> Int64 {
        let product = UInt64(room).multipliedFullWidth(by: UInt64(window))
        // room ≤ capacity and window < 2^62, so the product fits 128 bits; the quotient may not fit 64.
        guard product.high < UInt64(count) else { return window }
        let (quotient, _) = UInt64(count).dividingFullWidth(product)
        return Int64(min(quotient, UInt64(window)))
    }
}
