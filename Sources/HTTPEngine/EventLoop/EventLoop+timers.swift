import CLinuxSystem

/// A handle to cancel a scheduled timer; use only on its loop's thread.
public struct EventLoopTimer {
    let entry: TimerEntry

    /// Whether the timer has neither fired nor been cancelled.
    public var isPending: Bool { entry.action != nil }
}

extension EventLoop {
    /// Nanoseconds on the monotonic clock; the time base of loop timers.
    public static func monotonicNanoseconds() -> UInt64 {
        cls_monotonic_nanoseconds()
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
        return EventLoopTimer(entry: loopOnly.timers.insert(deadline: deadline, action: action))
    }

    /// Prevents a pending timer from firing (loop thread only).
    public func cancelTimer(_ timer: EventLoopTimer) {
        assertInEventLoop()
        timer.entry.action = nil
    }

    func runExpiredTimers() {
        guard loopOnly.timers.earliestDeadline != nil else { return }
        let now = cls_monotonic_nanoseconds()
        while let entry = loopOnly.timers.popExpired(now: now) {
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
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let limit = UInt64(Int64.max)
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow, whole < limit else { return limit }
        return min(whole + UInt64(max(attoseconds, 0) / 1_000_000_000), limit)
    }
}
