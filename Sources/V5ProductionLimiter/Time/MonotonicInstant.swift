/// A point on a monotonic clock, in nanoseconds since that clock's arbitrary origin.
///
/// Stage 4's one vocabulary for time: instants are `MonotonicInstant`, spans are `Duration`, and
/// every instant comes from a `RateLimitClock` (`MonotonicClock` in production, `ManualClock` in
/// tests). Stage 3 also passed raw nanoseconds and a `() -> MonotonicInstant` closure around.
///
/// Why not `ContinuousClock.Instant`: its `Duration` arithmetic goes through 128-bit
/// attoseconds, which costs more than a whole decision (the "elapsed -> tokens" rows of
/// `Benchmarks/LimiterBenchmarks`), and the limiter packs its state into one 64-bit word, so
/// it needs the instant *as* an `Int64` anyway. `nanoseconds` is that word's unit.
public struct MonotonicInstant: InstantProtocol, Sendable {
    public typealias Duration = Swift.Duration

    /// Nanoseconds since the clock's arbitrary origin.
    public var nanoseconds: Int64

    /// An instant at the given offset from the clock's origin.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// The instant `duration` after this one, saturating instead of overflowing.
    public func advanced(by duration: Duration) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds.saturatingAdding(duration.wholeNanoseconds))
    }

    /// The time from this instant to `other`; negative when `other` is earlier.
    public func duration(to other: MonotonicInstant) -> Duration {
        let (difference, overflow) = other.nanoseconds.subtractingReportingOverflow(nanoseconds)
        if overflow { return .nanoseconds(other.nanoseconds < nanoseconds ? Int64.min : Int64.max) }
        return .nanoseconds(difference)
    }

    /// The instant `duration` after `instant`, saturating.
    public static func + (instant: MonotonicInstant, duration: Duration) -> MonotonicInstant {
        instant.advanced(by: duration)
    }

    /// The time from `earlier` to this instant; negative when `earlier` is later.
    public func duration(since earlier: MonotonicInstant) -> Duration {
        earlier.duration(to: self)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, rounded toward zero and clamped to `Int64`.
    var wholeNanoseconds: Int64 {
        // One 128-by-64-bit division of the attoseconds' magnitude (a single `div` on x86-64),
        // where `components` divided all 128 bits twice in library calls: ~150 instructions, and
        // the traffic metrics convert every request's duration.
        let attoseconds = self.attoseconds
        let magnitude = attoseconds.magnitude
        let high = UInt64(truncatingIfNeeded: magnitude >> 64)
        // From 2^64 × 10^9 attoseconds the quotient would not fit 64 bits: far past either bound.
        guard high < 1_000_000_000 else { return attoseconds < 0 ? .min : .max }
        let (quotient, _) = UInt64(1_000_000_000).dividingFullWidth((high: high, low: UInt64(truncatingIfNeeded: magnitude)))
        if attoseconds < 0 { return quotient > Int64.min.magnitude ? .min : Int64(truncatingIfNeeded: 0 &- quotient) }
        return quotient > UInt64(Int64.max) ? .max : Int64(quotient)
    }
}

extension Int64 {
    /// `self + other`, clamped to `Int64.min...Int64.max` instead of trapping.
    func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        if overflow { return other < 0 ? .min : .max }
        return sum
    }
}
