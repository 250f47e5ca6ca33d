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

/// A connection that sends the output it queued during a turn on the turn's way out, in one
/// gathered write (`ConnectionCore.scheduleFlush(on:for:)`).
///
/// A protocol of its own rather than `EndOfTurnWork`, which a client connection already adopts
/// for handing over response heads: one object can be queued for both in the same turn.
protocol EndOfTurnFlushing: AnyObject {
    /// Sends what is queued and re-evaluates interest and time-outs; called once per scheduled
    /// flush on the loop thread.
    func flushScheduledOutput()
    /// The socket and the queued bytes a `SendBatch` may send before `flushScheduledOutput`:
    /// all that is queued when it is in one chunk, else nil (the connection sends it itself).
    func pendingBatchedSend() -> (descriptor: Int32, bytes: UnsafeRawBufferPointer)?
    /// Accounts `count` bytes a `SendBatch` sent from the front, as the connection's own send would.
    func batchedSendTook(_ count: Int)
}

extension EndOfTurnFlushing {
    func pendingBatchedSend() -> (descriptor: Int32, bytes: UnsafeRawBufferPointer)? { nil }
    func batchedSendTook(_ count: Int) {}
}

/// One entry of a loop's end-of-turn queue.
enum EndOfTurnAction {
    case closure(() -> Void)
    case work(any EndOfTurnWork)
    case flush(any EndOfTurnFlushing)
}
