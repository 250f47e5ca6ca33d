extension PipelinedConnection: EventLoopFileDescriptorHandler {
    /// Most bytes read per readiness event, so one busy connection cannot starve the loop's others.
    static var maxBytesPerReadEvent: Int { 1024 * 1024 }

    func readable() {
        switch state {
        case .open:
            readInput()
        case .connecting:
            finishConnect()
        case .closed:
            break
        }
    }

    func writable() {
        switch state {
        case .connecting:
            finishConnect()
        case .open:
            flush()
            afterEvent()
        case .closed:
            break
        }
    }

    func hangup() {
        switch state {
        case .connecting:
            finishConnect()
            if state == .connecting { fail(.connectFailure(to: server, errorNumber: Socket.pendingError(core.descriptor))) }
        case .open:
            // Replies may sit before the close; what is still awaited after them never comes.
            readInput()
            fail(closedEarly)
        case .closed:
            break
        }
    }

    func loopDidExit() {
        pool.loopDidExit()
        fail(.shutDown)
    }

    func readInput() {
        var total = 0
        while state == .open, total < Self.maxBytesPerReadEvent {
            let count: Int?
            do {
                // The codec takes every byte at once, so the buffer never holds more than one read.
                count = try core.read(room: .max)
            } catch {
                return fail(closedEarly)
            }
            guard let count else { break }
            guard count > 0 else {
                // End of stream: replies already read still count.
                codec.receive(core.inbound.readableBytes)
                core.inbound.consume(core.inbound.readableCount)
                deliverReplies()
                return fail(closedEarly)
            }
            total += count
            codec.receive(core.inbound.readableBytes)
            core.inbound.consume(core.inbound.readableCount)
            deliverReplies()
        }
        core.releaseCapacityIfIdle()
        afterEvent()
    }

    /// Writes what the socket takes.
    func flush() {
        do {
            try core.flush { writeCount += 1 }
        } catch {
            fail(closedEarly)
        }
    }

    /// Re-evaluates epoll interest and the time-out after any state change.
    func afterEvent() {
        guard state != .closed else { return }
        updateInterest()
        refreshDeadline()
    }

    func updateInterest() {
        let wanted: EventInterest = switch state {
        case .connecting: .writable
        case .open: core.isWaitingToWrite ? [.readable, .writable] : .readable
        case .closed: []
        }
        do {
            try core.setInterest(wanted, on: loop)
        } catch {
            fail(closedEarly)
        }
    }
}

extension PipelinedConnection: DeadlineTimedConnection {
    var isClosed: Bool { state == .closed }

    /// The connect deadline until set up, then the oldest reply's (later requests were queued
    /// later, so theirs are later too).
    var currentDeadline: UInt64 {
        switch state {
        case .connecting:
            return connectDeadline
        case .open:
            if !isEstablished { return connectDeadline }
            return pendingCount > 0 ? pending[pendingHead].deadline : 0
        case .closed:
            return 0
        }
    }

    func handleTimeout() {
        if state != .open || !isEstablished {
            fail(.connectTimeout(to: server, limit: configuration.connectTimeout))
        } else {
            // Later replies would arrive out of step with their waiters: the connection is done.
            fail(.responseTimeout(from: server, limit: configuration.replyTimeout))
        }
    }
}

extension PipelinedConnection: EndOfTurnFlushing {
    /// Sends every request queued this turn in one gathered write.
    func flushScheduledOutput() {
        core.scheduledFlushBegins()
        guard state == .open else { return }
        flush()
        afterEvent()
    }
}
