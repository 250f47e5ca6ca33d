import CLinuxSystem
import Synchronization
import Testing
@testable import HTTPEngine

@Suite("Event loop fairness")
struct EventLoopFairnessTests {
    @Test func aTaskThatNeverStopsYieldingLeavesTheLoopsTimersAndConnectionsServed() async throws {
        // The loop runs at most `maxJobsPerIteration` jobs a turn before it polls again: a task
        // that re-queues itself at every yield must not keep epoll, timers and other threads'
        // closures waiting. Without the budget the loop never polls again and the timer never fires.
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.next()
        let isStopped = Atomic<Bool>(false)
        let yields = Atomic<Int>(0)
        let spinner = Task(executorPreference: loop) {
            while !isStopped.load(ordering: .relaxed) {
                yields.add(1, ordering: .relaxed)
                await Task.yield()
            }
        }
        let fired = FiredNames()
        #expect(loop.execute { loop.scheduleTimer(after: .milliseconds(10)) { fired.add("timer") } })
        let hasTimerFired = await waitUntil(deadline: .now + .seconds(60)) { fired.names == ["timer"] }
        #expect(hasTimerFired)
        guard hasTimerFired else {
            // A starved loop would not start the server either: stop the spinner and fail here.
            isStopped.store(true, ordering: .relaxed)
            await spinner.value
            await group.shutdown()
            return
        }

        var configuration = testServerConfiguration(loopCount: 1)
        configuration.headerReadTimeout = .seconds(60)
        let server = HTTPServer(configuration: configuration, handler: okHandler, eventLoopGroup: group)
        let address = try await server.start()
        let client = try RawClient(port: address.port)
        client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try await blocking { try client.readResponse(timeout: .seconds(60)) }
        #expect(response?.status == 200)
        // The spinner kept running throughout: the loop shared its turns, it did not stop it.
        #expect(yields.load(ordering: .relaxed) > 4096)

        isStopped.store(true, ordering: .relaxed)
        await spinner.value
        await server.shutdown(gracePeriod: .seconds(1))
        await group.shutdown()
    }

    @Test func aLoopThatNeverSleepsGivesUpItsCPUAfterEachBusyQuantum() async throws {
        // A task that re-queues itself at every yield keeps the loop from ever sleeping in epoll;
        // such a loop is preempted only at a scheduler tick unless it yields (`BusyQuantum`).
        // Without the yield the count stays 0 and the wait below runs out.
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.next()
        let isStopped = Atomic<Bool>(false)
        let spinner = Task(executorPreference: loop) {
            while !isStopped.load(ordering: .relaxed) { await Task.yield() }
        }
        let hasYielded = await waitUntil(deadline: .now + .seconds(30)) { loop.cpuYieldCount.load(ordering: .relaxed) >= 3 }
        #expect(hasYielded)
        isStopped.store(true, ordering: .relaxed)
        await spinner.value
        await group.shutdown()
    }

    @Test func aLoopThatSleepsBetweenTurnsDoesNotYield() async throws {
        // A loop that sleeps in epoll between turns has given up its CPU already. The quantum is
        // long here because time counts from the last poll that slept, and a test run on a loaded
        // machine can hold the loop thread off its CPU for a while after one: 200 ms is more than
        // such a stall and less than the 300 ms that the 20 sleeps below add up to, so a loop whose
        // sleeps did not restart the count yields (it did, when that was taken out).
        let loop = try EventLoop(index: 0, busyQuantum: .milliseconds(200), makeWakeDescriptor: { _ in cls_eventfd() })
        for _ in 0..<20 {
            await withCheckedContinuation { continuation in
                _ = loop.execute {
                    loop.scheduleTimer(after: .milliseconds(15)) { continuation.resume() }
                }
            }
        }
        #expect(loop.cpuYieldCount.load(ordering: .relaxed) == 0)
        await loop.shutdown()
    }
}
