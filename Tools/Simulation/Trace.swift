/// One request in a trace: when it arrives, whose limit it counts against, and how many tokens it costs.
public struct TraceRequest: Hashable, Sendable {
    /// Time since the start of the trace.
    public var time: Duration
    /// The limiter key; each key has its own limiter, as in stages 2–4.
    public var key: String
    /// Tokens (or window slots) the request spends; 1 for an ordinary request.
    public var cost: Int

    /// A request at `time` for `key`.
    public init(time: Duration, key: String, cost: Int = 1) {
        self.time = time
        self.key = key
        self.cost = cost
    }
}

/// A named, time-ordered list of requests, and how long the simulation watches after the last one.
public struct Trace: Sendable {
    /// What the trace is called in tables and chart titles.
    public var name: String
    /// The requests, sorted by time (a CSV trace is checked, a built-in one built that way).
    public var requests: [TraceRequest]
    /// Where the time axis ends: at or after the last request, so a chart also shows the refill after it.
    public var end: Duration

    /// A trace of `requests`, watched until `end` (or the last request, if later).
    public init(name: String, requests: [TraceRequest], end: Duration? = nil) {
        self.name = name
        self.requests = requests
        let last = requests.last?.time ?? .zero
        self.end = max(end ?? last, last)
    }

    /// The key with the most requests (on a tie, the one that reached that count first): the one charts follow.
    public var busiestKey: String? {
        var counts: [String: Int] = [:]
        var best: String?
        var bestCount = 0
        for request in requests {
            let count = counts[request.key, default: 0] + 1
            counts[request.key] = count
            // Strictly more, so on a tie the key that reached the count first keeps it.
            if count > bestCount {
                best = request.key
                bestCount = count
            }
        }
        return best
    }
}

extension Duration {
    /// The duration in seconds as a `Double`, for printing and drawing (never for decisions).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration in whole nanoseconds, rounded toward zero; traces stay far inside `Int64`.
    public var nanosecondCount: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// A duration of `seconds`, to the nearest nanosecond.
    public static func seconds(rounding seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}
