extension PipelinedConnection {
    /// Queues `request` and suspends until its reply (loop thread only; the caller's task must
    /// prefer this loop, so the reply resumes it here without a hop).
    ///
    /// Throws `HTTPEngineError`, or `CancellationError` when the task is cancelled: its place in
    /// the queue stays, because the server will still answer it, and that reply is dropped.
    func send(_ request: Codec.Request) async throws -> Codec.Reply {
        loop.assertInEventLoop()
        guard state != .closed else { throw setupFailure ?? closedEarly }
        guard pendingCount < configuration.maxPendingReplies else {
            throw HTTPEngineError.overloaded(server, pendingLimit: configuration.maxPendingReplies)
        }
        let identifier = nextIdentifier
        nextIdentifier &+= 1
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                // Still on the loop, before suspending: nothing can have changed since the guards.
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                enqueue(request, identifier: identifier, waiter: .task(continuation))
            }
        } onCancel: {
            // Any thread; the queue is loop-only. If the request was never queued, nothing is found.
            _ = loop.execute { [self] in abandon(identifier) }
        }
    }

    /// Queues a request sent on connect, ahead of any caller's (loop thread only): `check`
    /// returns the error that makes the connection unusable, e.g. a refused login.
    func sendSetup(_ request: Codec.Request, check: @escaping (Codec.Reply) -> (any Error)?) {
        loop.assertInEventLoop()
        let identifier = nextIdentifier
        nextIdentifier &+= 1
        setupRepliesAwaited += 1
        enqueue(request, identifier: identifier, waiter: .setup(check))
    }

    private func enqueue(_ request: Codec.Request, identifier: UInt64, waiter: Waiter) {
        core.outbound.append { Codec.encode(request, into: &$0) }
        let deadline = EventLoop.monotonicNanoseconds() &+ configuration.replyTimeout.nanoseconds
        pending.append(Pending(identifier: identifier, deadline: deadline, waiter: waiter))
        guard !core.isFlushScheduled else { return }
        // Every request queued in this turn goes out in the one write this schedules.
        core.scheduleFlush(on: loop, for: self)
        refreshDeadline()
    }

    /// Resumes a cancelled caller at once; its reply will be read and dropped.
    func abandon(_ identifier: UInt64) {
        // Identifiers grow along the queue, so the entry, if still there, is found by bisection.
        var low = pendingHead
        var high = pending.count
        while low < high {
            let middle = (low + high) / 2
            if pending[middle].identifier < identifier { low = middle + 1 } else { high = middle }
        }
        guard low < pending.count, pending[low].identifier == identifier,
              case .task(let continuation) = pending[low].waiter
        else { return }
        pending[low].waiter = .abandoned
        continuation.resume(throwing: CancellationError())
    }

    /// Hands each complete reply to the oldest waiter.
    func deliverReplies() {
        while state != .closed {
            let reply: Codec.Reply
            do {
                guard let next = try codec.nextReply() else { return }
                reply = next
            } catch {
                return fail(.malformedResponse(error))
            }
            guard pendingCount > 0 else {
                return fail(HTTPEngineError(.malformedResponse, detail: "the server sent a reply no request was waiting for"))
            }
            let entry = pending[pendingHead]
            pendingHead += 1
            replyCount += 1
            if pendingHead == pending.count {
                pending.removeAll(keepingCapacity: true)
                pendingHead = 0
            } else if pendingHead >= 1024, pendingHead * 2 >= pending.count {
                pending.removeFirst(pendingHead)
                pendingHead = 0
            }
            switch entry.waiter {
            case .task(let continuation):
                continuation.resume(returning: reply)
            case .setup(let check):
                setupRepliesAwaited -= 1
                if let error = check(reply) { return fail(.setupRejected(by: server, error)) }
            case .abandoned:
                break
            }
            if closesWhenDrained, pendingCount == 0 { return closeIdle() }
        }
    }
}
