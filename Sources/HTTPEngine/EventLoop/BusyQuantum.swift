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
/// A yield only helps when the thread it lets run gives the CPU back. A client such as `wrk`
/// that never sleeps under load keeps it until the tick, so a loop that shares a CPU with it
/// waits a whole tick at every yield, while the other CPU holds the other loop, which yields
/// every quantum. A yield that kept the loop off its CPU for over `standardCrowdedWait` says so,
/// and the loop then moves to another CPU it may use (`cls_leave_current_cpu`), where it waits
/// at most a polite thread's quantum.
///
/// Rejected alternatives: yielding after every turn that had events (a system call per turn
/// even at light load, where the loop sleeps between turns anyway); asking for a shorter
/// scheduler slice (`sched_setattr`'s `sched_runtime`, Linux 6.12 and later), which changed
/// nothing measurable, since a loop that never blocks is still preempted only at the tick;
/// sleeping 1–50 µs instead of yielding, so that the loop's wake-up preempts the thread holding
/// its CPU (the tail went down as far, but proxied requests lost 3–8 % of their throughput); and
/// sleeping like that only after a long yield (no better than the yield).
struct BusyQuantum {
    /// Continuous work after which the loop yields.
    static let standardQuantum = Duration.microseconds(300)
    /// A poll that took longer than this is taken to have slept: waking a sleeping thread takes
    /// longer, and one misjudged poll only moves the next yield, it never skips one for long.
    static let standardSleepThreshold = Duration.microseconds(20)
    /// A yield that kept the loop off its CPU longer than this was taken by a thread that does not
    /// give way: over three quanta of a loop that does, under the 4 ms tick it waited for.
    static let standardCrowdedWait = Duration.milliseconds(1)

    let quantumNanoseconds: UInt64
    let sleepThresholdNanoseconds: UInt64
    let crowdedWaitNanoseconds: UInt64
    /// When the loop last came back from a poll that slept (or last yielded).
    private(set) var busySince: UInt64

    /// Starts measuring at `now` (monotonic nanoseconds).
    init(
        quantum: Duration = Self.standardQuantum,
        sleepThreshold: Duration = Self.standardSleepThreshold,
        crowdedWait: Duration = Self.standardCrowdedWait,
        now: UInt64
    ) {
        precondition(quantum > .zero && sleepThreshold > .zero && crowdedWait > .zero, "a busy quantum, a sleep threshold and a crowded wait are positive")
        quantumNanoseconds = quantum.nanoseconds
        sleepThresholdNanoseconds = sleepThreshold.nanoseconds
        crowdedWaitNanoseconds = crowdedWait.nanoseconds
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

    /// Whether a yield from `start` to `end` kept the loop off its CPU long enough that the CPU is
    /// held by a thread that does not give way, so the loop should move to another one.
    func shouldLeaveCPU(afterYieldFrom start: UInt64, to end: UInt64) -> Bool {
        end &- start > crowdedWaitNanoseconds
    }
}
