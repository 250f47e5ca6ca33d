/// A clock the limiter can read: Swift's `Clock`, with instants the limiter can pack into a word.
///
/// Built on the standard `Clock` protocol rather than a closure (stage 3's `() -> MonotonicInstant`)
/// so one value both tells the time and sleeps on it: the optional cleanup task sleeps on the
/// same clock the decisions read, and a test that advances a `ManualClock` drives both.
///
/// The limiter is generic over its clock instead of holding `any RateLimitClock`: reading the
/// time is on every decision's path, and a generic is specialised to a direct call where an
/// existential would cost a dynamic dispatch each time.
public protocol RateLimitClock: Clock, Sendable where Instant == MonotonicInstant {
    /// Whether this clock's instants are `CLOCK_MONOTONIC`'s, so an event loop's timers (which
    /// count on that clock) can time a wait on it: `GuardedStore` then times its store calls
    /// with the caller's loop. False by default, as for a clock a test moves by hand.
    var isSystemMonotonic: Bool { get }
}

extension RateLimitClock {
    public var isSystemMonotonic: Bool { false }
}
