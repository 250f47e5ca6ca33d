/// Measures how long a loop has worked without sleeping in epoll, and says when it should give
/// up its CPU (`sched_yield`) so that another runnable thread gets it.
///
/// Why a loop yields at all: the kernel sees a loop that always finds events ready as a thread
/// that never blocks, and preempts it only at a scheduler tick (4 ms at this kernel's `HZ=250`).
/// When two loops and a client share two cores, a loop waiting behind another one on the same
/// CPU leaves all its connections unanswered for that tick: with `wrk -t1 -c64` against
/// requests answered 429, 4.3 ms at the 99th percentile, and the loops showed 8 ms run-queue
/// waits in `perf sched latency`. Yielding after a quantum of continuous work bounds that wait
/// by the other loop's quantum, not the tick.
///
/// Rejected alternatives: yielding after every turn that had events (a system call per turn
/// even at light load, where the loop sleeps between turns anyway); asking for a shorter
/// scheduler slice (`sched_setattr`'s `sched_runtime`, Linux 6.12 and later), which changed
/// nothing measurable, since a loop that never blocks is still preempted only at the tick.
struct BusyQuantum {
    /// Continuous work after which the loop yields.
    static let standardQuantum = Duration.microseconds(300)
    /// A poll that took longer than this is taken to have slept: waking a sleeping thread takes
    /// longer, and one misjudged poll only moves the next yield, it never skips one for long.
    static let standardSleepThreshold = Duration.microseconds(20)

    let quantumNanoseconds: UInt64
    let sleepThresholdNanoseconds: UInt64
    /// When the loop last came back from a poll that slept (or last yielded).
    private(set) var busySince: UInt64

    /// Starts measuring at `now` (monotonic nanoseconds).
    init(quantum: Duration = Self.standardQuantum, sleepThreshold: Duration = Self.standardSleepThreshold, now: UInt64) {
        precondition(quantum > .zero && sleepThreshold > .zero, "a busy quantum and a sleep threshold are positive")
        quantumNanoseconds = quantum.nanoseconds
        sleepThresholdNanoseconds = sleepThreshold.nanoseconds
        busySince = now
    }

    /// Notes a poll that started and returned at the given times: one that slept restarts the count.
    mutating func pollReturned(startedAt start: UInt64, endedAt end: UInt64) {
        if end &- start > sleepThresholdNanoseconds { busySince = end }
    }

    /// Whether the loop has worked a whole quantum without sleeping at `now`; when it has, the
    /// count restarts, as the caller yields.
    mutating func shouldYield(at now: UInt64) -> Bool {
        guard now &- busySince >= quantumNanoseconds else { return false }
        busySince = now
        return true
    }
}
