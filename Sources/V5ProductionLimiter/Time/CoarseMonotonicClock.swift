#if canImport(Glibc)
import Glibc

/// `CLOCK_MONOTONIC_COARSE`: the same monotonic time, read from the last timer tick instead of
/// the hardware counter; several times cheaper, but only as fine as the kernel's tick (1–4 ms).
///
/// How stage 4 amortises the clock read: a server deciding millions of times a second reads the
/// tick the kernel already stored instead of converting the CPU's counter every time. The price
/// is resolution: within one tick every request sees the same instant, so a bucket refills in
/// steps of one tick's worth of tokens. For limits of up to a few hundred tokens a second that
/// is invisible (a token takes longer than a tick to come back); above that, requests arriving
/// within one tick are judged against the same instant, which never admits more than the
/// limit (a stalled clock never mints tokens) but can refuse some a finer clock would admit.
/// `minimumResolution` reports the tick so callers can decide.
public struct CoarseMonotonicClock: RateLimitClock {
    public init() {}

    /// The kernel's last tick of `CLOCK_MONOTONIC`.
    public var now: MonotonicInstant {
        MonotonicInstant(nanoseconds: MonotonicClock.read(CLOCK_MONOTONIC_COARSE))
    }

    /// The same time as `MonotonicClock`, a tick behind at most.
    public var isSystemMonotonic: Bool { true }

    /// The tick length, as `clock_getres` reports it.
    public var minimumResolution: Duration {
        var resolution = timespec()
        clock_getres(CLOCK_MONOTONIC_COARSE, &resolution)
        return .seconds(Int64(resolution.tv_sec)) + .nanoseconds(Int64(resolution.tv_nsec))
    }

    /// Suspends until `deadline`; sleeping needs no coarseness, so this is `MonotonicClock`'s sleep.
    public func sleep(until deadline: MonotonicInstant, tolerance: Duration? = nil) async throws {
        try await MonotonicClock().sleep(until: deadline, tolerance: tolerance)
    }
}
#endif
