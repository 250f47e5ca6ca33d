/// A clock the limiter can read: Swift's `Clock`, with instants the limiter can pack into a word.
///
/// Built on the standard `Clock` protocol rather than a closure (stage 3's `() -> MonotonicInstant`)
/// so one value both tells the time and sleeps on it: the optional cleanup task sleeps on the
/// same clock the decisions read, and a test that advances a `ManualClock` drives both.
///
/// The limiter is generic over its clock instead of holding `any RateLimitClock`: reading the
/// time is on every decision's path, and a generic is specialised to a direct call where an
/// existential would cost a dynamic dispatch each time.
public protocol RateLimitClock: Clock, Sendable where Instant == MonotonicInstant {}
