/// One limit a key is held to: how many units per window, and the algorithm that counts them.
///
/// A key may be held to several at once (10 per second *and* 1,000 per hour); a request is
/// admitted only if every one of them admits it. The name identifies the limit's state in a
/// store, so two limits of one request must have different names, and renaming a limit starts
/// its keys afresh (a Redis store puts the name in the key).
public struct RateLimit: Hashable, Sendable, CustomStringConvertible {
    /// How a limit counts.
    public enum Algorithm: String, Hashable, Sendable, CaseIterable {
        /// GCRA, stage 4's token bucket: bursts up to `capacity`, refilled continuously. 8 bytes a key.
        case tokenBucket = "token_bucket"
        /// A sliding-window counter: at most `capacity` units in any window, estimated from the
        /// current and previous fixed windows (see `SlidingWindowCounter`). 24 bytes a key.
        case slidingWindow = "sliding_window"
    }

    /// The limit's name, unique among the limits of one request; letters, digits, `-`, `_`, `.`, `/`.
    public let name: String
    /// Capacity and rate: for a token bucket its burst and refill, for a window `capacity` per
    /// `window`.
    public let bucket: BucketLimit
    /// How the limit counts.
    public let algorithm: Algorithm
    /// The window in nanoseconds exactly as configured; `capacity × T` can exceed it by up to
    /// `capacity` ns because `T` is rounded up, and a sliding window must not drift by that.
    let windowNanoseconds: Int64
    /// Seconds to refill an empty bucket (capacity / rate), rounded up, at least 1: the IETF
    /// policy's window `w` (`RateLimitFields.windowSeconds`), worked out once rather than per response.
    let refillSeconds: Int64

    /// The most characters a name may have; names are part of store keys.
    public static let maximumNameLength = 64

    /// A limit of `bucket` counted by `algorithm`; throws if the name is empty, too long or has
    /// characters a store key should not carry.
    public init(name: String, bucket: BucketLimit, algorithm: Algorithm = .tokenBucket) throws(RateLimitError) {
        try Self.validate(name: name)
        self.init(validatedName: name, bucket: bucket, algorithm: algorithm, windowNanoseconds: bucket.capacityNanoseconds)
    }

    /// `count` units per `window`, named e.g. `"1000/h"`; the window must be positive.
    ///
    /// For a token bucket that is a burst of `count` refilled over `window`; for a sliding
    /// window, at most `count` units in any `window`.
    public init(name: String, _ count: Int, per window: Duration, algorithm: Algorithm = .tokenBucket) throws(RateLimitError) {
        let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        guard seconds > 0 else { throw .invalidWindow(window) }
        try Self.validate(name: name)
        let bucket = try BucketLimit(capacity: count, refillRatePerSecond: Double(count) / seconds)
        // The bucket's validation bounds capacity × T, and the window is at most that.
        self.init(validatedName: name, bucket: bucket, algorithm: algorithm, windowNanoseconds: window.wholeNanoseconds)
    }

    /// The most units the limit admits at once: the bucket's burst, or the window's count.
    public var capacity: Int { bucket.capacity }

    /// The span over which `capacity` units refill, as configured.
    public var window: Duration { .nanoseconds(windowNanoseconds) }

    /// The same limit with capacity and rate multiplied by `share` (capacity at least 1): what
    /// one of several instances enforces locally when the shared store is down.
    public func scaled(by share: Double) -> RateLimit {
        precondition(share > 0 && share <= 1, "RateLimit.scaled(by:) needs a share in (0, 1], got \(share)")
        let capacity = max(1, Int((Double(bucket.capacity) * share).rounded(.down)))
        // Scaling both keeps the window (capacity / rate) the same, which a sliding window needs.
        let rate = bucket.refillRatePerSecond * Double(capacity) / Double(bucket.capacity)
        guard let scaled = try? BucketLimit(capacity: capacity, refillRatePerSecond: rate) else { return self }
        return RateLimit(validatedName: name, bucket: scaled, algorithm: algorithm, windowNanoseconds: windowNanoseconds)
    }

    /// The token bucket `bucket` named `default`: a single limit, as stages 1–4 had.
    public init(defaultFor bucket: BucketLimit) {
        self.init(validatedName: "default", bucket: bucket, algorithm: .tokenBucket, windowNanoseconds: bucket.capacityNanoseconds)
    }

    private static func validate(name: String) throws(RateLimitError) {
        let isSafe = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_./".unicodeScalars.contains(scalar))
        }
        guard !name.isEmpty, name.count <= maximumNameLength, isSafe else { throw .invalidLimitName(name) }
    }

    private init(validatedName: String, bucket: BucketLimit, algorithm: Algorithm, windowNanoseconds: Int64) {
        self.name = validatedName
        self.bucket = bucket
        self.algorithm = algorithm
        self.windowNanoseconds = windowNanoseconds
        // BucketLimit keeps capacity / rate below ~146 years, so the window fits in Int64.
        refillSeconds = max(1, Int64((Double(bucket.capacity) / bucket.refillRatePerSecond).rounded(.up)))
    }

    public var description: String { "\(name): \(capacity) per \(window) (\(algorithm.rawValue))" }
}
