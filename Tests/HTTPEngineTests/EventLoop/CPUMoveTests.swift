import CLinuxSystem
import Foundation
import Synchronization
import Testing
import TestSupport
@testable import HTTPEngine

/// A loop whose CPU is held by a thread that does not give way moves to another CPU
/// (`BusyQuantum.shouldLeaveCPU`, `cls_leave_current_cpu`).
///
/// Both tests change the affinity of threads they start themselves, never of a thread of the
/// concurrency pool, and need two CPUs this process may use (the machine running them has two).
@Suite("Moving a crowded loop to another CPU")
struct CPUMoveTests {
    /// The CPUs this thread may use, lowest first.
    static func allowedCPUs() -> [Int32] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = cpus.withUnsafeMutableBufferPointer { cls_allowed_cpus($0.baseAddress, 1024) }
        return Array(cpus.prefix(max(Int(count), 0)))
    }

    /// Restricts the calling thread to `cpus`; whether that worked.
    @discardableResult
    static func allow(_ cpus: [Int32]) -> Bool {
        cpus.withUnsafeBufferPointer { cls_allow_cpus($0.baseAddress, Int32($0.count)) } == 0
    }

    @Test(.enabled(if: allowedCPUs().count >= 2, "needs two CPUs"))
    func leavingTheCurrentCPUMovesTheThreadAndKeepsItsAffinity() async {
        let pair = Array(Self.allowedCPUs().prefix(2))
        let (left, nowOn, allowedAfter, leftWhenAlone, allowedWhenAlone) = await onOwnThread {
            // On the first CPU of two allowed: pinned there, then given both back.
            Self.allow([pair[0]])
            Self.allow(pair)
            let left = cls_leave_current_cpu()
            let nowOn = cls_current_cpu()
            let allowedAfter = Self.allowedCPUs()
            // With one CPU allowed there is nowhere to go, and the mask stays as it was.
            Self.allow([pair[1]])
            let leftWhenAlone = cls_leave_current_cpu()
            return (left, nowOn, allowedAfter, leftWhenAlone, Self.allowedCPUs())
        }
        #expect(left == pair[0])
        #expect(nowOn == pair[1])
        #expect(allowedAfter == pair)
        #expect(leftWhenAlone == -1)
        #expect(allowedWhenAlone == [pair[1]])
    }

    @Test(.enabled(if: allowedCPUs().count >= 2, "needs two CPUs"))
    func aBusyLoopWhoseYieldsAreTakenByThreadsThatNeverGiveWayMovesToAnotherCPU() async throws {
        // Two threads spin on the loop's two CPUs without ever blocking or yielding, as `wrk` does
        // under load. The loop, kept busy by a task that re-queues itself, yields every quantum
        // and gets its CPU back only at a scheduler tick, so it asks to move. (Here it can only
        // move to the other spinner's CPU; what is tested is that it asks.) Without the move the
        // count stays 0 and the wait runs out.
        let pair = Array(Self.allowedCPUs().prefix(2))
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.next()
        let isRestricted = await withCheckedContinuation { continuation in
            _ = loop.execute {
                continuation.resume(returning: Self.allow(pair))
            }
        }
        #expect(isRestricted)
        let isStopped = Atomic<Bool>(false)
        let spinner = Task(executorPreference: loop) {
            while !isStopped.load(ordering: .relaxed) { await Task.yield() }
        }
        let hogsRunning = Atomic<Int>(0)
        for cpu in pair {
            Thread {
                Self.allow([cpu])
                hogsRunning.add(1, ordering: .relaxed)
                while !isStopped.load(ordering: .relaxed) {}
                hogsRunning.subtract(1, ordering: .relaxed)
            }.start()
        }
        let hasMoved = await waitUntil(deadline: .now + .seconds(30)) { loop.cpuMoveCount.load(ordering: .relaxed) >= 1 }
        isStopped.store(true, ordering: .relaxed)
        #expect(hasMoved)
        #expect(loop.cpuYieldCount.load(ordering: .relaxed) >= 1)
        await spinner.value
        _ = await waitUntil(deadline: .now + .seconds(30)) { hogsRunning.load(ordering: .relaxed) == 0 }
        await group.shutdown()
    }
}
