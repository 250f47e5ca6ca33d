import CLinuxSystem
import Glibc

extension EventLoop {
    /// Most jobs run per iteration before epoll is polled again, so a busy task cannot starve I/O.
    static let maxJobsPerIteration = 4096

    func runLoop() {
        var tokens = [UInt64](repeating: 0, count: 256)
        var events = [UInt32](repeating: 0, count: 256)
        var busyTime = BusyQuantum(quantum: busyQuantum, now: cls_monotonic_nanoseconds())
        while true {
            var pollStart = cls_monotonic_nanoseconds()
            // Here, after the last turn's writes went out, so the peers have their answers
            // while this loop waits for the CPU.
            if busyTime.shouldYield(at: pollStart) {
                sched_yield()
                cpuYieldCount.add(1, ordering: .relaxed)
                let yieldStart = pollStart
                pollStart = cls_monotonic_nanoseconds()
                if busyTime.shouldLeaveCPU(afterYieldFrom: yieldStart, to: pollStart), cls_leave_current_cpu() >= 0 {
                    cpuMoveCount.add(1, ordering: .relaxed)
                    pollStart = cls_monotonic_nanoseconds()
                }
            }
            let timeout = pollTimeoutMilliseconds()
            let count = tokens.withUnsafeMutableBufferPointer { tokenBuffer in
                events.withUnsafeMutableBufferPointer { eventBuffer in
                    cls_epoll_wait(epollDescriptor, tokenBuffer.baseAddress, eventBuffer.baseAddress, 256, timeout)
                }
            }
            let pollEnd = cls_monotonic_nanoseconds()
            turnTime.store(pollEnd, ordering: .relaxed)
            busyTime.pollReturned(startedAt: pollStart, endedAt: pollEnd)
            if count > 0 {
                for index in 0..<Int(count) { dispatch(token: tokens[index], events: events[index]) }
            }
            runExpiredTimers()
            if runRemoteWork() { break }
            runLocalJobs()
            runEndOfTurnActions()
        }
        finishExit()
    }

    /// Sends the scheduled flushes' queued bytes through the loop's `SendBatch`, made on first
    /// use; one that fails is dropped and the flushes send on their own from then on.
    func sendFlushesInOneCall() {
        if !loopOnly.hasTriedSendBatch {
            loopOnly.hasTriedSendBatch = true
            loopOnly.sendBatch = SendBatch.make()
        }
        guard let batch = loopOnly.sendBatch else { return }
        switch batch.sendFirst(of: loopOnly.endOfTurnActions) {
        case nil: loopOnly.sendBatch = nil
        case 0?: break
        case _?: batchedSendCount.add(1, ordering: .relaxed)
        }
    }

    /// Runs the actions queued with `runAtEndOfTurn`, and any they queue in turn.
    func runEndOfTurnActions() {
        while !loopOnly.endOfTurnActions.isEmpty {
            // Each round, not only the first: the flushes that this round's actions queue form the
            // next one. A proxied answer is such a flush: the upstream's response head is handed
            // over in the first round (`ClientConnection.deliver`), so the answer is flushed in the
            // second, and sent alone each answer woke its client for that one answer.
            if loopOnly.endOfTurnActions.count >= 2 { sendFlushesInOneCall() }
            // Swapped with a kept empty array, as `localJobs`: taking the queue and leaving `[]`
            // allocated a new one on every turn that had an action (a third of an allocation
            // per proxied request).
            var actions = loopOnly.spareEndOfTurnActions
            loopOnly.spareEndOfTurnActions = []
            swap(&actions, &loopOnly.endOfTurnActions)
            for action in actions {
                switch action {
                case .closure(let body): body()
                case .work(let work): work.runAtEndOfTurn()
                case .flush(let connection): connection.flushScheduledOutput()
                }
            }
            actions.removeAll(keepingCapacity: true)
            loopOnly.spareEndOfTurnActions = actions
        }
    }

    /// Runs `action` on this turn's way out, after the jobs that are ready have run and before
    /// epoll is polled again (loop thread only).
    ///
    /// What this is for: writes that many tasks queue in one turn go out in one system call.
    /// A pipelining client appends each caller's command to its connection's buffer and asks for
    /// one flush here; `execute` would do the same a turn later, for an `eventfd` wake-up each time.
    func runAtEndOfTurn(_ action: @escaping () -> Void) {
        assertInEventLoop()
        loopOnly.endOfTurnActions.append(.closure(action))
    }

    /// Calls `work.runAtEndOfTurn()` on this turn's way out, in order with the closures queued
    /// (loop thread only): for an object that keeps what the call needs in its own state, so
    /// queueing it allocates nothing, where a closure capturing that state allocates its context.
    func runAtEndOfTurn(_ work: any EndOfTurnWork) {
        assertInEventLoop()
        loopOnly.endOfTurnActions.append(.work(work))
    }

    /// Calls `connection.flushScheduledOutput()` on this turn's way out, after the actions
    /// queued before it (loop thread only); `ConnectionCore.scheduleFlush(on:for:)` says why.
    func flushAtEndOfTurn(_ connection: any EndOfTurnFlushing) {
        assertInEventLoop()
        loopOnly.endOfTurnActions.append(.flush(connection))
    }

    /// Zero when work is queued, else the time to the next timer (rounded up), or forever.
    func pollTimeoutMilliseconds() -> Int32 {
        if !loopOnly.localJobs.isEmpty { return 0 }
        if remote.withLock({ !$0.isEmpty || $0.isStopping }) { return 0 }
        guard let deadline = loopOnly.timers.earliestDeadline else { return -1 }
        let now = cls_monotonic_nanoseconds()
        guard deadline > now else { return 0 }
        let milliseconds = (deadline - now + 999_999) / 1_000_000
        return Int32(min(milliseconds, UInt64(Int32.max)))
    }

    func dispatch(token: UInt64, events: UInt32) {
        if token == Self.wakeToken {
            _ = cls_eventfd_drain(wakeDescriptor)
            return
        }
        let descriptor = Int(token & 0xFFFF_FFFF)
        let generation = UInt32(token >> 32)
        // Re-read the registration before each callback: an earlier callback may have closed it.
        func current() -> (any EventLoopFileDescriptorHandler)? {
            guard descriptor < loopOnly.registrations.count,
                  let registration = loopOnly.registrations[descriptor],
                  registration.generation == generation
            else { return nil }
            return registration.handler
        }
        let failed = events & (CLS_EPOLLERR | CLS_EPOLLHUP) != 0
        if events & (CLS_EPOLLIN | CLS_EPOLLRDHUP) != 0 { current()?.readable() }
        if events & CLS_EPOLLOUT != 0, !failed { current()?.writable() }
        if failed { current()?.hangup() }
    }

    /// Runs closures and adopts jobs from other threads; returns true when the loop should exit.
    func runRemoteWork() -> Bool {
        // Swapped with kept empty arrays, and only when not empty: copying the queues out and
        // emptying them in place allocated two arrays on every turn once they had grown (the
        // copy shared their buffers), an allocation per eight proxied requests.
        var closures = loopOnly.spareRemoteClosures
        var jobs = loopOnly.spareRemoteJobs
        loopOnly.spareRemoteClosures = []
        loopOnly.spareRemoteJobs = []
        let isStopping = remote.withLock { remote in
            if !remote.closures.isEmpty { swap(&closures, &remote.closures) }
            if !remote.jobs.isEmpty { swap(&jobs, &remote.jobs) }
            return remote.isStopping
        }
        for closure in closures { closure() }
        if !jobs.isEmpty { loopOnly.localJobs.append(contentsOf: jobs) }
        closures.removeAll(keepingCapacity: true)
        jobs.removeAll(keepingCapacity: true)
        loopOnly.spareRemoteClosures = closures
        loopOnly.spareRemoteJobs = jobs
        // Exit as soon as a stop is seen, not once a turn finds no work: a thread that keeps
        // submitting would otherwise keep the loop alive, its queue growing without bound (a test
        // run reached 13 GB). `finishExit` refuses work from then on and runs all that was accepted.
        return isStopping
    }

    func runLocalJobs() {
        var budget = Self.maxJobsPerIteration
        while !loopOnly.localJobs.isEmpty, budget > 0 {
            var batch = loopOnly.spareJobs
            loopOnly.spareJobs = []
            swap(&batch, &loopOnly.localJobs)
            for position in batch.indices {
                if budget == 0 {
                    loopOnly.localJobs.insert(contentsOf: batch[position...], at: 0)
                    break
                }
                budget -= 1
                batch[position].runSynchronously(on: asUnownedTaskExecutor())
            }
            batch.removeAll(keepingCapacity: true)
            loopOnly.spareJobs = batch
        }
    }

    /// Marks the loop exited (from now on other threads' work is refused), runs what was
    /// accepted before — and whatever that enqueues on this thread — lets still-registered
    /// handlers close their descriptors, then closes the loop's own and wakes waiters.
    /// Draining before the wake-up means a waiter never sees accepted work still pending.
    func finishExit() {
        let (closures, jobs) = remote.withLock { remote in
            remote.hasExited = true
            defer {
                remote.closures = []
                remote.jobs = []
            }
            return (remote.closures, remote.jobs)
        }
        loopOnly.exitClosures = closures
        loopOnly.localJobs.append(contentsOf: jobs)
        drainExitWork()
        // Dropping registered handlers silently would leak their descriptors.
        let remaining = loopOnly.registrations.compactMap { $0?.handler }
        for handler in remaining { handler.loopDidExit() }
        // Closing resumed continuations and failed waiters; run what that enqueued.
        drainExitWork()
        loopOnly.exitClosures = nil
        loopOnly.timers.removeAll()
        loopOnly.registrations = []
        // Its ring is a descriptor too.
        loopOnly.sendBatch = nil
        loopOnly.hasTriedSendBatch = true
        close(epollDescriptor)
        close(wakeDescriptor)
        // A later thread may get this thread's id; it must not count as the loop.
        threadIdentifier.store(0, ordering: .releasing)
        let waiters = remote.withLock { remote in
            remote.hasFinishedExit = true
            defer { remote.exitWaiters = [] }
            return remote.exitWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Runs exit-time closures and local jobs, and what they enqueue, until none is left.
    func drainExitWork() {
        while true {
            if let closures = loopOnly.exitClosures, !closures.isEmpty {
                loopOnly.exitClosures = []
                for closure in closures { closure() }
            } else if !loopOnly.localJobs.isEmpty {
                let batch = loopOnly.localJobs
                loopOnly.localJobs = []
                for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            } else if !loopOnly.endOfTurnActions.isEmpty {
                runEndOfTurnActions()
            } else {
                return
            }
        }
    }
}
