/// Jobs of tasks that prefer this loop run on its thread, so an async handler
/// started with `Task(executorPreference: loop)` never leaves the connection's thread.
///
/// Chosen over `SerialExecutor` (making connections actors): the connection is
/// already confined to the loop thread, and a task executor covers every
/// nonisolated async function the handler calls without extra hops.
extension EventLoop: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if inEventLoop {
            loopOnly.localJobs.append(job)
            return
        }
        let mustWake = remote.withLock { remote -> Bool? in
            guard !remote.hasExited else { return nil }
            let wasEmpty = remote.isEmpty
            remote.jobs.append(job)
            return wasEmpty
        }
        switch mustWake {
        case nil: globalConcurrentExecutor.enqueue(job)
        case true?: _ = cls_eventfd_signal(wakeDescriptor)
        case false?: break
        }
    }

    /// Whether the calling task runs on this loop and already prefers it, so a
    /// `withTaskExecutorPreference(self)` would change nothing: skipping it saves pushing and
    /// popping a task status record (a lock and a task-allocator block) per proxied request.
    var isCurrentTaskPreferring: Bool {
        guard inEventLoop else { return false }
        let executor = asUnownedTaskExecutor()
        return withUnsafeCurrentTask { $0?.unownedTaskExecutor == executor }
    }
}

import CLinuxSystem
