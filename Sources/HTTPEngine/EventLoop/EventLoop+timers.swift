import CLinuxSystem

/// A handle to cancel a scheduled timer; use only on its loop's thread.
public struct EventLoopTimer {
    let entry: TimerEntry
    /// The loop whose heap holds the entry: cancelling through another loop is refused loudly.
    let loop: ObjectIdentifier

    /// Whether the timer has neither fired nor been cancelled.
    public var isPending: Bool { entry.action != nil }
}

extension EventLoop {
    /// Nanoseconds on the monotonic clock; the time base of loop timers.
    public static func monotonicNanoseconds() -> UInt64 {
        cls_monotonic_nanoseconds()
    }

    /// The monotonic time read when this turn's events arrived (loop thread only), on the
    /// `monotonicNanoseconds()` clock: what connections stamp their activity and time their
    /// waits with, and what timers expire against.
    ///
    /// One clock read per turn rather than one per use (about ten per proxied request, 3 % of
    /// the proxy's user CPU), as nginx caches its time once per turn. It lags the clock by at
    /// most the turn's own length, which time-outs of seconds do not notice; a deadline it has
    /// not reached yet is seen on the next turn, which starts at once (`pollTimeoutMilliseconds`).
    /// Durations that are reported (observers' request times) read the clock itself.
    public var turnNanoseconds: UInt64 {
        turnTime.load(ordering: .relaxed)
    }

    /// Calls `action` on the loop thread once `delay` has passed (loop thread only).
    @discardableResult
    public func scheduleTimer(after delay: Duration, _ action: @escaping () -> Void) -> EventLoopTimer {
        scheduleTimer(atNanoseconds: Self.monotonicNanoseconds() &+ delay.nanoseconds, action)
    }

    /// Calls `action` at a `monotonicNanoseconds()` deadline (loop thread only).
    @discardableResult
    public func scheduleTimer(atNanoseconds deadline: UInt64, _ action: @escaping () -> Void) -> EventLoopTimer {
        assertInEventLoop()
        return EventLoopTimer(entry: loopOnly.timers.insert(deadline: deadline, action: action), loop: ObjectIdentifier(self))
    }

    /// Prevents a pending timer from firing and takes it out of the loop's timers at once
    /// (loop thread only); cancelling a timer that fired or was cancelled does nothing.
    /// A timer of another loop is a programming error: its entry is that loop's thread's alone.
    public func cancelTimer(_ timer: EventLoopTimer) {
        assertInEventLoop()
        precondition(timer.loop == ObjectIdentifier(self), "cancelTimer: the timer was scheduled on another event loop")
        timer.entry.action = nil
        loopOnly.timers.remove(timer.entry)
    }

    /// Timers of this loop waiting to fire (loop thread only); cancelled ones are not among them.
    var pendingTimerCount: Int {
        assertInEventLoop()
        return loopOnly.timers.count
    }

    func runExpiredTimers() {
        guard loopOnly.timers.earliestDeadline != nil else { return }
        let now = turnNanoseconds
        while let entry = loopOnly.timers.popExpired(now: now) {
            // Cancelled timers have left the heap, so every entry popped still has its action.
            guard let action = entry.action else { continue }
            entry.action = nil
            action()
        }
    }
}

extension Duration {
    /// The span in whole nanoseconds, clamped at zero and saturated at `Int64.max`
    /// (about 292 years), so a huge time-out means "never" instead of wrapping to 0 —
    /// and a deadline `now + span` cannot overflow either.
    var nanoseconds: UInt64 {
        // One 128-by-64-bit division of the attoseconds (a single `div` on x86-64), where
        // `components` divided all 128 bits twice in library calls: ~150 instructions, and the
        // client converts each request's time-out.
        let attoseconds = self.attoseconds
        guard attoseconds > 0 else { return 0 }
        let limit = UInt64(Int64.max)
        let high = UInt64(truncatingIfNeeded: attoseconds >> 64)
        // From 2^64 × 10^9 attoseconds the quotient would not fit 64 bits: far past the limit.
        guard high < 1_000_000_000 else { return limit }
        let (quotient, _) = UInt64(1_000_000_000).dividingFullWidth((high: high, low: UInt64(truncatingIfNeeded: attoseconds)))
        return min(quotient, limit)
    }
}
