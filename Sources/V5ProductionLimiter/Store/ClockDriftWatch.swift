import Synchronization

/// Notices when a store's clock and this host's monotonic clock disagree about how much time
/// has passed: clock trouble on one of the hosts (a stepped wall clock on the Redis host, a
/// paused VM), which would otherwise show only as limits that feel too strict or too loose.
///
/// Each answer carries the server's time. The watch keeps the offset between the two clocks
/// from the last comparison; when a new offset differs from it by more than `threshold`, the
/// drift is reported (`RateLimitMetrics.clockDriftExceeded`) and the new offset becomes the
/// reference, so one jump is reported once. Network delay moves the offset too, which is why the
/// threshold is a second by default, far above a round trip.
final class ClockDriftWatch: Sendable {
    let threshold: Duration
    private let metrics: any RateLimitMetrics
    private let local: @Sendable () -> Int64
    /// Server time minus local time at the last reference point, in µs; `Int64.min` before the first answer.
    private let referenceOffset = Atomic<Int64>(.min)

    /// `localMicroseconds` reads this host's monotonic clock (injectable for tests).
    init(threshold: Duration, metrics: any RateLimitMetrics, localMicroseconds: @escaping @Sendable () -> Int64 = { MonotonicClock().now.nanoseconds / 1000 }) {
        self.threshold = threshold
        self.metrics = metrics
        local = localMicroseconds
    }

    /// Compares `serverMicroseconds`, read by the store just now, with this host's clock.
    func observe(serverMicroseconds: Int64) {
        let offset = serverMicroseconds &- local()
        let reference = referenceOffset.load(ordering: .relaxed)
        guard reference != .min else {
            _ = referenceOffset.compareExchange(expected: .min, desired: offset, ordering: .relaxed)
            return
        }
        let drift = offset &- reference
        guard drift.magnitude > UInt64(threshold.components.seconds) * 1_000_000 + UInt64(threshold.components.attoseconds / 1_000_000_000_000) else { return }
        // Only the caller that moves the reference reports, so one jump is counted once.
        if referenceOffset.compareExchange(expected: reference, desired: offset, ordering: .relaxed).exchanged {
            metrics.clockDriftExceeded(.microseconds(drift))
        }
    }
}
