#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reading of the system's monotonic clock, in nanoseconds since an arbitrary origin.
///
/// Stage 1 passes time *in* instead of reading a clock inside the bucket, so tests can
/// replay any schedule without sleeping. We keep instants as plain integer nanoseconds
/// rather than `ContinuousClock.Instant`: turning a `Duration` into fractional seconds goes
/// through 128-bit arithmetic that costs more than the whole token-bucket decision, and
/// `ContinuousClock.now` reads a slower clock than `CLOCK_MONOTONIC` on Linux.
/// (`Benchmarks/LimiterBenchmarks` prints both costs, the "elapsed -> tokens" and "clock read"
/// rows; figures in `docs/benchmarks.md`.)
public struct MonotonicInstant: Hashable, Comparable, Sendable {
    /// Nanoseconds since the clock's arbitrary origin.
    public var nanoseconds: Int64

    /// An instant at the given offset from the clock's origin.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// The current reading of `CLOCK_MONOTONIC`, which never jumps when the wall clock is set.
    public static func now() -> MonotonicInstant {
        var reading = timespec()
        clock_gettime(CLOCK_MONOTONIC, &reading)
        return MonotonicInstant(nanoseconds: Int64(reading.tv_sec) * 1_000_000_000 + Int64(reading.tv_nsec))
    }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    /// The instant `duration` after this one, saturating instead of overflowing.
    public static func + (instant: MonotonicInstant, duration: Duration) -> MonotonicInstant {
        let (sum, overflow) = instant.nanoseconds.addingReportingOverflow(duration.wholeNanoseconds)
        if overflow { return MonotonicInstant(nanoseconds: duration < .zero ? .min : .max) }
        return MonotonicInstant(nanoseconds: sum)
    }

    /// The time from `earlier` to this instant; negative when `earlier` is later.
    public func duration(since earlier: MonotonicInstant) -> Duration {
        let (difference, overflow) = nanoseconds.subtractingReportingOverflow(earlier.nanoseconds)
        if overflow { return .nanoseconds(earlier.nanoseconds < 0 ? Int64.max : Int64.min) }
        return .nanoseconds(difference)
    }
}

extension Duration {
    /// The duration in whole nanoseconds, rounded toward zero and clamped to `Int64`.
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if sumOverflow { return seconds < 0 ? .min : .max }
        return total
    }
}
