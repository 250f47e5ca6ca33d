/// An object a loop calls on the way out of a turn (`EventLoop.runAtEndOfTurn(_:)`), holding
/// what the call needs itself.
///
/// For work scheduled per request: a client connection handing a response head to its caller
/// queues itself. A closure capturing the callback and the outcome, the alternative kept for
/// one-off work, cost an allocation for its context each time.
protocol EndOfTurnWork: AnyObject {
    /// Does the work queued; called once per `runAtEndOfTurn(_:)` on the loop thread.
    func runAtEndOfTurn()
}

/// One entry of a loop's end-of-turn queue.
enum EndOfTurnAction {
    case closure(() -> Void)
    case work(any EndOfTurnWork)
}
