/// A loop-confined connection whose time-outs run through one `ConnectionDeadline`.
///
/// Conformers are final classes, so the shared methods below are specialized for each
/// connection type rather than called through a witness table.
protocol DeadlineTimedConnection: AnyObject {
    var loop: EventLoop { get }
    /// Holds the one deadline timer.
    var core: ConnectionCore { get set }
    /// The instant the current wait times out, or 0 when nothing is due.
    var currentDeadline: UInt64 { get }
    var isClosed: Bool { get }
    /// Acts on an expired `currentDeadline`.
    func handleTimeout()
    /// Re-evaluates epoll interest and the time-out after any state change.
    func afterEvent()
}

extension DeadlineTimedConnection {
    /// Arms the timer if the current deadline is earlier than the armed one.
    func refreshDeadline() {
        let current = currentDeadline
        guard core.deadlineTimer.needsTimer(for: current) else { return }
        core.deadlineTimer.arm(at: current, on: loop) { [self] in timerFired() }
    }

    /// Handles the timer: times out if the deadline (which may have moved) has passed, else re-arms.
    func timerFired() {
        core.deadlineTimer.timerDidFire()
        guard !isClosed else { return }
        let current = currentDeadline
        if current != 0, current <= loop.turnNanoseconds {
            handleTimeout()
        }
        afterEvent()
    }
}
