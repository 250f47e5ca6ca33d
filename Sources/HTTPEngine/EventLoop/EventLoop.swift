import CLinuxSystem
import Foundation
import Synchronization

/// One thread running an epoll loop: file descriptor callbacks, timers, closures
/// and Swift task jobs (it is a `TaskExecutor`), all serialised on that thread.
///
/// Methods documented as "loop thread only" must be called from `execute`,
/// a readiness callback, a timer, or a task whose executor preference is this loop.
public final class EventLoop: @unchecked Sendable {
    // @unchecked Sendable: `loopOnly` state is touched only on the loop thread
    // (checked by `assertInEventLoop`); everything shared is in `remote` (a Mutex)
    // or atomics.

    /// Closures and jobs handed over from other threads.
    struct RemoteWork {
        var closures: [@Sendable () -> Void] = []
        var jobs: [UnownedJob] = []
        var isStopping = false
        /// Set when the exit begins: from then on other threads' work is refused.
        var hasExited = false
        /// Set when the exit is over: accepted work has run and the descriptors are closed.
        var hasFinishedExit = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
        var isEmpty: Bool { closures.isEmpty && jobs.isEmpty }
    }

    /// A registered descriptor and the generation that tells stale epoll events apart.
    struct Registration {
        var handler: any EventLoopFileDescriptorHandler
        var generation: UInt32
    }

    /// State owned by the loop thread.
    struct LoopOnlyState {
        var registrations: [Registration?] = []
        var nextGeneration: UInt32 = 1
        var localJobs: [UnownedJob] = []
        /// The other half of a double buffer for `localJobs`, so swapping batches keeps capacity.
        var spareJobs: [UnownedJob] = []
        var timers = TimerHeap()
        /// Non-nil while the exiting loop drains: `execute` calls made on the loop thread then.
        var exitClosures: [@Sendable () -> Void]?
        /// Actions to run once this turn's jobs have run, before epoll is polled again.
        var endOfTurnActions: [EndOfTurnAction] = []
        /// The other half of a double buffer for `endOfTurnActions`.
        var spareEndOfTurnActions: [EndOfTurnAction] = []
        /// Kept empty arrays swapped with `remote`'s closures and jobs when a turn takes them.
        var spareRemoteClosures: [@Sendable () -> Void] = []
        var spareRemoteJobs: [UnownedJob] = []
        /// Random bytes for request IDs made on this loop (`HTTPRequestID.generate(on:)`).
        var requestIDBytes = RandomBytePool()
        /// The turn's first sends in one system call; nil until a turn has two flushes, and
        /// for good once it is known to be unavailable (`hasTriedSendBatch`).
        var sendBatch: SendBatch?
        var hasTriedSendBatch = false
    }

    let epollDescriptor: Int32
    let wakeDescriptor: Int32
    let remote = Locked(RemoteWork())
    let threadIdentifier = Atomic<UInt64>(0)
    /// `turnNanoseconds`. An atomic only so a `let` holds it: a stored `var` of a class is
    /// checked for exclusive access at run time on every read, which costs about what the clock read saves.
    let turnTime = Atomic<UInt64>(cls_monotonic_nanoseconds())
    var loopOnly = LoopOnlyState()
    /// Continuous work after which the loop gives up its CPU (`BusyQuantum`).
    let busyQuantum: Duration
    /// How many times the loop gave up its CPU after a busy quantum.
    let cpuYieldCount = Atomic<Int>(0)
    /// How many times a yield kept the loop waiting so long that it moved to another CPU.
    let cpuMoveCount = Atomic<Int>(0)
    /// Turns whose flushes went through the `SendBatch` (for tests: is io_uring in use here).
    let batchedSendCount = Atomic<Int>(0)
    /// Index for naming the thread in debuggers and logs.
    public let index: Int

    /// Creates the loop and starts its thread.
    public convenience init(index: Int = 0) throws {
        try self.init(index: index, makeWakeDescriptor: { _ in cls_eventfd() })
    }

    /// Creates the loop with an injectable `eventfd` (tests make it fail; it gets the new epoll
    /// descriptor) and busy quantum (tests lengthen it); closes what it opened when a later step
    /// fails, so a failed init leaks no descriptor.
    init(
        index: Int,
        busyQuantum: Duration = BusyQuantum.standardQuantum,
        makeWakeDescriptor: (_ epollDescriptor: Int32) -> Int32
    ) throws {
        self.index = index
        self.busyQuantum = busyQuantum
        epollDescriptor = cls_epoll_create()
        guard epollDescriptor >= 0 else { throw SystemError("epoll_create1") }
        wakeDescriptor = makeWakeDescriptor(epollDescriptor)
        guard wakeDescriptor >= 0 else {
            let error = SystemError("eventfd")
            close(epollDescriptor)
            throw error
        }
        guard cls_epoll_add(epollDescriptor, wakeDescriptor, CLS_EPOLLIN, Self.wakeToken) == 0 else {
            let error = SystemError("epoll_ctl(eventfd)")
            close(wakeDescriptor)
            close(epollDescriptor)
            throw error
        }
        let started = DispatchSemaphore(value: 0)
        let name = Self.threadName(index: index)
        let thread = Thread { [self] in
            // Named from the thread itself: Foundation passes a name set before `start` to the
            // system only on some platforms, and `top -H`, `perf` and `/proc` read the system's.
            _ = cls_set_thread_name(name)
            threadIdentifier.store(cls_thread_id(), ordering: .releasing)
            started.signal()
            runLoop()
        }
        thread.name = name
        thread.start()
        // Waiting here means `inEventLoop` is exact from the first call on.
        started.wait()
    }

    static let wakeToken: UInt64 = .max

    /// The loop thread's name, `EventLoop-N`: within the 15 bytes Linux keeps of a thread's name
    /// (`HTTPEngine.EventLoop-N`, the earlier name, was refused, and every thread showed the
    /// process's name).
    static func threadName(index: Int) -> String {
        "EventLoop-\(index)"
    }

    /// Whether the caller runs on this loop's thread.
    public var inEventLoop: Bool {
        threadIdentifier.load(ordering: .relaxed) == cls_thread_id()
    }

    /// Traps when called off the loop thread: loop-only state touched from elsewhere is a
    /// data race, so this stays on in release builds (an `assert` would vanish there).
    func assertInEventLoop(_ function: StaticString = #function) {
        precondition(inEventLoop, "\(function) must run on event loop \(index)")
    }

    /// Runs `work` on the loop thread soon; safe from any thread. Work accepted before the
    /// loop exits always runs, on the loop thread. Returns false, dropping `work`, once the
    /// loop has exited: running loop-only code on the caller's thread would be a data race.
    @discardableResult
    public func execute(_ work: @escaping @Sendable () -> Void) -> Bool {
        // Work queued by work that runs during the exit drain is still accepted.
        if inEventLoop, loopOnly.exitClosures != nil {
            loopOnly.exitClosures?.append(work)
            return true
        }
        let mustWake = remote.withLock { remote -> Bool? in
            guard !remote.hasExited else { return nil }
            let wasEmpty = remote.isEmpty
            remote.closures.append(work)
            return wasEmpty
        }
        switch mustWake {
        case nil:
            return false
        case true?:
            _ = cls_eventfd_signal(wakeDescriptor)
        case false?:
            break
        }
        return true
    }

    /// Asks the loop to exit after its current iteration; pending work still runs.
    public func stop() {
        remote.withLock { $0.isStopping = true }
        _ = cls_eventfd_signal(wakeDescriptor)
    }

    /// Suspends until the loop thread has exited, after every accepted closure and job ran.
    public func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            // Not `hasExited`: that is set when the exit begins, and a waiter arriving while the
            // accepted work still drains would resume before that work ran (CI caught it once).
            let hasFinished = remote.withLock { remote -> Bool in
                if !remote.hasFinishedExit { remote.exitWaiters.append(continuation) }
                return remote.hasFinishedExit
            }
            if hasFinished { continuation.resume() }
        }
    }

    /// Stops the loop and waits for its thread to exit.
    public func shutdown() async {
        stop()
        await waitUntilStopped()
    }
}
