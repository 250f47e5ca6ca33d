/// The capacity and rate every simulated algorithm is given, so they are compared on equal terms.
///
/// For the token buckets, `capacity` is the burst and `ratePerSecond` the refill. The fixed window
/// gets the same long-run rate and the same burst: `capacity` requests per window of
/// `capacity / ratePerSecond` seconds (capacity 5 at 1/s: 5 requests per 5-second window).
public struct SimulationLimit: Hashable, Sendable {
    /// The most tokens a bucket holds; the most requests one fixed window admits.
    public let capacity: Int
    /// Tokens per second; the fixed window's long-run rate.
    public let ratePerSecond: Double

    /// The largest capacity accepted: far above any picture, and small enough that traces built
    /// from it (a few times `capacity` requests) stay quick.
    public static let maximumCapacity = 100_000

    /// A validated limit; the error names the bad value.
    public init(capacity: Int, ratePerSecond: Double) throws(SimulationError) {
        guard capacity >= 1, capacity <= Self.maximumCapacity else {
            throw SimulationError("capacity must be between 1 and \(Self.maximumCapacity), got \(capacity)")
        }
        guard ratePerSecond.isFinite, ratePerSecond >= 0.001, ratePerSecond <= 1_000_000 else {
            throw SimulationError("rate must be between 0.001 and 1000000 tokens per second, got \(ratePerSecond)")
        }
        self.capacity = capacity
        self.ratePerSecond = ratePerSecond
    }

    /// `capacity / rate`: the time a bucket takes to refill from empty, and the fixed window's length.
    public var window: Duration {
        .seconds(rounding: Double(capacity) / ratePerSecond)
    }

    /// The token bucket's promise for a window of length `span`: at most `capacity + rate·span` admissions.
    public func tokenBucketBound(over span: Duration) -> Double {
        Double(capacity) + ratePerSecond * span.inSeconds
    }
}

/// A problem with the simulator's input, worded for the person who typed it.
public struct SimulationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The whole message, naming the bad value (and, for a CSV file, its line).
    public let description: String

    /// An error with the given message.
    public init(_ description: String) {
        self.description = description
    }
}
