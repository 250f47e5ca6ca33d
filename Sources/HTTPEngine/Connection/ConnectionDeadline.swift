/// The one lazily re-armed timer a connection keeps for its earliest deadline.
///
/// A later deadline needs no new timer: the armed one re-checks when it fires.
struct ConnectionDeadline {
    private var timer: EventLoopTimer?
    private var armedDeadline: UInt64 = 0

    /// Whether `deadline` (0 for none) is earlier than the armed timer, so needs one of its own.
    @inline(__always)
    func needsTimer(for deadline: UInt64) -> Bool {
        deadline != 0 && (timer == nil || deadline < armedDeadline)
    }

    /// Replaces the armed timer with one calling `action` at `deadline` (loop thread only).
    mutating func arm(at deadline: UInt64, on loop: EventLoop, _ action: @escaping () -> Void) {
        if let timer { loop.cancelTimer(timer) }
        armedDeadline = deadline
        timer = loop.scheduleTimer(atNanoseconds: deadline, action)
    }

    /// Forgets the timer that just fired.
    mutating func timerDidFire() {
        timer = nil
    }

    /// Cancels the armed timer, if any (loop thread only).
    mutating func cancel(on loop: EventLoop) {
        if let timer { loop.cancelTimer(timer) }
        timer = nil
    }
}
