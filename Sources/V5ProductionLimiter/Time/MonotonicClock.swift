#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The production clock: `CLOCK_MONOTONIC`, which the wall clock's jumps (NTP, an operator's
/// `date -s`, a leap second) never move.
///
/// A limiter that read wall-clock time would mint a burst for every key when the clock jumped
/// forward and freeze every key when it jumped back. Monotonic time only ever moves forward at
/// the rate of real time, which is the only thing a refill rate is defined against.
public struct MonotonicClock: RateLimitClock {
    public init() {}

    /// The current reading of `CLOCK_MONOTONIC`.
    public var now: MonotonicInstant {
        MonotonicInstant(nanoseconds: Self.read(CLOCK_MONOTONIC))
    }

    /// One nanosecond: the unit `clock_gettime` reports in (actual resolution is finer than any decision).
    public var minimumResolution: Duration { .nanoseconds(1) }

    public var isSystemMonotonic: Bool { true }

    /// Suspends until `deadline` on this clock; throws `CancellationError` if the task is cancelled.
    public func sleep(until deadline: MonotonicInstant, tolerance: Duration? = nil) async throws {
        // `SuspendingClock` is Swift's name for `CLOCK_MONOTONIC` on Linux, so a span measured
        // on this clock is a span on that one.
        let delay = now.duration(to: deadline)
        guard delay > .zero else { return try Task.checkCancellation() }
        try await SuspendingClock().sleep(for: delay, tolerance: tolerance)
    }

    /// Nanoseconds read from `clock`.
    static func read(_ clock: clockid_t) -> Int64 {
        var reading = timespec()
        clock_gettime(clock, &reading)
        return Int64(reading.tv_sec) * 1_000_000_000 + Int64(reading.tv_nsec)
    }
}
