import Synchronization
import V3RateLimitMiddleware

/// A clock tests move by hand, so every instant a decision sees is known and nothing sleeps.
///
/// An `Atomic` rather than a `Mutex`: ThreadSanitizer sees atomics, so no annotation is needed.
final class ManualClock: Sendable {
    private let nanoseconds: Atomic<Int64>

    init(startingAt start: MonotonicInstant = MonotonicInstant(nanoseconds: 1_000_000_000_000)) {
        nanoseconds = Atomic(start.nanoseconds)
    }

    var now: MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds.load(ordering: .acquiring))
    }

    func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        nanoseconds.add(seconds * 1_000_000_000 + attoseconds / 1_000_000_000, ordering: .acquiringAndReleasing)
    }

    /// The clock as the closure the middleware takes.
    var reading: @Sendable () -> MonotonicInstant {
        { [self] in now }
    }
}
