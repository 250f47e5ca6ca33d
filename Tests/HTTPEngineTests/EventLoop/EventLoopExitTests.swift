import CLinuxSystem
import Foundation
import Glibc
import Synchronization
import Testing
@testable import HTTPEngine

@Suite("Event loop exit")
struct EventLoopExitTests {
    @Test func workAcceptedBeforeExitRunsOnTheLoopAndLaterWorkNeverRunsElsewhere() async throws {
        let loop = try EventLoop()
        let ranOnLoop = Atomic<Int>(0)
        let ranElsewhere = Atomic<Int>(0)
        let accepted = Atomic<Int>(0)
        let isDone = Atomic<Bool>(false)
        let submitterFinished = DispatchSemaphore(value: 0)
        let submitter = Thread {
            defer { submitterFinished.signal() }
            // Keeps submitting across the exit, so some calls land just before and some after it.
            while !isDone.load(ordering: .acquiring) {
                let wasAccepted = loop.execute {
                    if loop.inEventLoop {
                        ranOnLoop.add(1, ordering: .relaxed)
                    } else {
                        ranElsewhere.add(1, ordering: .relaxed)
                    }
                }
                if wasAccepted { accepted.add(1, ordering: .relaxed) }
            }
        }
        submitter.start()
        #expect(await waitUntil(deadline: .now + .seconds(20)) { ranOnLoop.load(ordering: .relaxed) > 100 })
        await loop.shutdown()
        // Waiters resume only after everything accepted has run.
        let ranWhenWaiterResumed = ranOnLoop.load(ordering: .relaxed)
        let acceptedWhenWaiterResumed = accepted.load(ordering: .relaxed)
        #expect(await waitUntil(deadline: .now + .seconds(20)) { loop.execute {} == false })
        isDone.store(true, ordering: .releasing)
        try await blocking { submitterFinished.wait() }
        #expect(ranElsewhere.load(ordering: .relaxed) == 0)
        #expect(ranWhenWaiterResumed == ranOnLoop.load(ordering: .relaxed))
        #expect(acceptedWhenWaiterResumed <= ranWhenWaiterResumed)
        #expect(accepted.load(ordering: .relaxed) == ranOnLoop.load(ordering: .relaxed))
    }

    /// A waiter that arrives while the loop is exiting resumes only when the exit is over.
    /// (Attack: a registered handler's `loopDidExit`, which runs inside the exit, starts the
    /// waiter and then keeps the exit busy until the waiter resumes or 1 s passes; the waiter
    /// must see that the handler had finished.)
    @Test func aWaiterArrivingDuringTheExitResumesOnlyAfterIt() async throws {
        let loop = try EventLoop()
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        defer { close(descriptors[1]) }
        final class Probe: Sendable {
            let isExitWorkDone = Atomic<Bool>(false)
            let sawExitWorkDone = Locked<Bool?>(nil)
            let waiterResumedForExit = DispatchSemaphore(value: 0)
            let waiterResumed = DispatchSemaphore(value: 0)
        }
        let probe = Probe()
        let handler = ExitHook(loop: loop, descriptor: descriptors[0]) {
            Task.detached {
                await loop.waitUntilStopped()
                probe.sawExitWorkDone.withLock { $0 = probe.isExitWorkDone.load(ordering: .acquiring) }
                probe.waiterResumedForExit.signal()
                probe.waiterResumed.signal()
            }
            // A correct loop keeps the waiter until this returns; a broken one resumes it now,
            // and is given time to show it.
            _ = probe.waiterResumedForExit.wait(timeout: .now() + 1)
            probe.isExitWorkDone.store(true, ordering: .releasing)
        }
        try await loop.perform {
            try loop.register(fileDescriptor: descriptors[0], interest: .readable, handler: handler)
        }
        await loop.shutdown()
        try await blocking { probe.waiterResumed.wait() }
        #expect(probe.sawExitWorkDone.withLock { $0 } == true)
    }

    @Test func executeAfterExitReturnsFalseAndNeverRunsTheWork() async throws {
        let loop = try EventLoop()
        await loop.shutdown()
        let hasRun = Atomic<Bool>(false)
        #expect(loop.execute { hasRun.store(true, ordering: .relaxed) } == false)
        #expect(hasRun.load(ordering: .relaxed) == false)
    }

    @Test func performAfterExitThrowsStoppedError() async throws {
        let loop = try EventLoop()
        await loop.shutdown()
        await #expect(throws: HTTPEngineError.eventLoopStopped) {
            try await loop.perform { loop.inEventLoop }
        }
    }

    @Test func taskJobsEnqueuedOnTheLoopWhileItExitsStillRunThere() async throws {
        let loop = try EventLoop()
        let ranOnLoop = SharedCounter()
        // Jobs enqueued from the loop thread in the same turn that asks it to stop.
        loop.execute {
            loop.stop()
            for _ in 0..<10 {
                Task(executorPreference: loop) {
                    if loop.inEventLoop { ranOnLoop.value.add(1, ordering: .relaxed) }
                }
            }
        }
        await loop.waitUntilStopped()
        #expect(ranOnLoop.value.load(ordering: .relaxed) == 10)
    }

    @Test func workEnqueuedOnTheLoopThreadDuringExitRunsThereBeforeWaitersResume() async throws {
        let loop = try EventLoop()
        let ranOnLoop = SharedCounter()
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let handler = ExitHook(loop: loop, descriptor: descriptors[0]) {
            loop.execute { if loop.inEventLoop { ranOnLoop.value.add(1, ordering: .relaxed) } }
            Task(executorPreference: loop) { if loop.inEventLoop { ranOnLoop.value.add(1, ordering: .relaxed) } }
        }
        try await loop.perform {
            try loop.register(fileDescriptor: descriptors[0], interest: .readable, handler: handler)
        }
        await loop.shutdown()
        #expect(ranOnLoop.value.load(ordering: .relaxed) == 2)
        #expect(fcntl(descriptors[0], F_GETFD) == -1 || Self.link(of: descriptors[0]).hasPrefix("pipe:") == false)
        close(descriptors[1])
    }

    @Test func failedEventFDClosesTheEpollDescriptor() throws {
        var marker: [Int32] = [0, 0]
        #expect(pipe(&marker) == 0)
        defer { close(marker[0]); close(marker[1]) }
        let markerDescriptor = marker[0]
        let epollDescriptor = Locked<Int32>(-1)
        #expect(throws: SystemError.self) {
            _ = try EventLoop(index: 0, makeWakeDescriptor: { epoll in
                // Marks this epoll instance. (Taking the newest descriptor number was the rejected
                // alternative: tests running in parallel open descriptors too.)
                _ = cls_epoll_add(epoll, markerDescriptor, CLS_EPOLLIN, 42)
                epollDescriptor.withLock { $0 = epoll }
                errno = EMFILE
                return -1
            })
        }
        let descriptor = epollDescriptor.withLock { $0 }
        #expect(descriptor >= 0)
        // Closed; a parallel test may reuse the number at once, but not with our marker in it.
        #expect(!Self.epoll(descriptor, watches: markerDescriptor))
    }

    /// Whether `descriptor` is an epoll instance watching `target` (from /proc/self/fdinfo).
    static func epoll(_ descriptor: Int32, watches target: Int32) -> Bool {
        guard let info = try? String(contentsOfFile: "/proc/self/fdinfo/\(descriptor)", encoding: .utf8) else { return false }
        return info.split(separator: "\n").contains { line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return fields.count >= 2 && fields[0] == "tfd:" && fields[1] == "\(target)"
        }
    }

    @Test func hugeTimeoutsSaturateInsteadOfWrappingToZero() {
        #expect(Duration.seconds(Int64.max).nanoseconds == UInt64(Int64.max))
        #expect(Duration.seconds(20_000_000_000).nanoseconds == UInt64(Int64.max))
        #expect(Duration.seconds(2).nanoseconds == 2_000_000_000)
        #expect(Duration.seconds(-1).nanoseconds == 0)
        #expect((Duration.seconds(30) + .nanoseconds(7)).nanoseconds == 30_000_000_007)
        #expect(Duration(attoseconds: 1_999_999_999).nanoseconds == 1)
        // Just past Int64.max nanoseconds (about 292 years), and just below it.
        #expect(Duration.seconds(9_300_000_000).nanoseconds == UInt64(Int64.max))
        #expect(Duration.seconds(9_200_000_000).nanoseconds == 9_200_000_000_000_000_000)
        // A deadline computed from a saturated span stays in the future.
        let now = EventLoop.monotonicNanoseconds()
        #expect(now &+ Duration.seconds(Int64.max).nanoseconds > now)
    }

    @Test func pooledClientConnectionsAreClosedWhenTheirLoopExits() async throws {
        let upstream = HTTPServer(configuration: testServerConfiguration(loopCount: 1), handler: okHandler)
        let port = try await upstream.start().port
        let group = try EventLoopGroup(loopCount: 1)
        let client = HTTPClient(eventLoopGroup: group)
        let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: port))
        #expect(try await response.body.collect(upTo: 1024) == Array("ok".utf8))
        #expect(upstream.connectionCount == 1)
        // The loop exits without the client being shut down: its idle socket must still close.
        await group.shutdown()
        #expect(await waitUntil(deadline: .now + .seconds(20)) { upstream.connectionCount == 0 })
        await upstream.shutdown(gracePeriod: .seconds(5))
    }

    static func link(of descriptor: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count - 1)
        guard count > 0 else { return "" }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A counter that escaping `@Sendable` closures can share.
final class SharedCounter: Sendable {
    let value = Atomic<Int>(0)
}

/// A registered descriptor whose loop exits with it still registered: deregisters and closes
/// it, then runs `atExit`, inside the exit.
final class ExitHook: EventLoopFileDescriptorHandler, @unchecked Sendable {
    let loop: EventLoop
    let descriptor: Int32
    let atExit: @Sendable () -> Void

    init(loop: EventLoop, descriptor: Int32, atExit: @escaping @Sendable () -> Void) {
        self.loop = loop
        self.descriptor = descriptor
        self.atExit = atExit
    }

    func readable() {}
    func writable() {}
    func hangup() {}

    func loopDidExit() {
        loop.deregister(fileDescriptor: descriptor)
        close(descriptor)
        atExit()
    }
}
