import Testing
@testable import HTTPEngine

@Suite("SingleWaiter")
struct SingleWaiterTests {
    @Test func resumeHandsTheValueToTheWaiter() async throws {
        let waiter = SingleWaiter<Int>(operation: "test")
        #expect(waiter.resume(returning: 1) == false)
        async let value = waiter.wait()
        #expect(await waitUntil(deadline: .now + .seconds(60)) { waiter.isWaiting })
        #expect(waiter.resume(returning: 2))
        #expect(try await value == 2)
        #expect(!waiter.isWaiting)
    }

    @Test func waitingInACancelledTaskThrowsAtOnce() async {
        let waiter = SingleWaiter<Int>(operation: "test")
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await waiter.wait()
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!waiter.isWaiting)
    }

    /// Cancellation and a producer's resume race on different threads: the waiter
    /// resumes exactly once (a double resume would crash), with one of the two outcomes.
    @Test func cancellationRacingAResumeResumesExactlyOnce() async throws {
        for _ in 0..<500 {
            let waiter = SingleWaiter<Int>(operation: "test")
            let task = Task { try await waiter.wait() }
            _ = await waitUntil(deadline: .now + .seconds(60)) { waiter.isWaiting }
            async let resumed = Task.detached { waiter.resume(returning: 7) }.value
            task.cancel()
            let wasResumedByProducer = await resumed
            switch await task.result {
            case .success(let value):
                #expect(value == 7)
                #expect(wasResumedByProducer)
            case .failure(let error):
                #expect(error is CancellationError)
                #expect(!wasResumedByProducer)
            }
        }
    }

    @Test func secondWaiterIsRefusedWithAnErrorNamingTheOperation() async throws {
        let waiter = SingleWaiter<Int>(operation: "request body read")
        let first = Task { try await waiter.wait() }
        #expect(await waitUntil(deadline: .now + .seconds(60)) { waiter.isWaiting })
        do {
            _ = try await waiter.wait()
            Issue.record("second waiter was accepted")
        } catch let error as HTTPEngineError where error.code == .concurrentWait {
            #expect(error.detail == "request body read")
            #expect(error.description.contains("request body read"))
        }
        // The refused waiter's cancellation handler must not touch the first waiter.
        waiter.resume(returning: 3)
        #expect(try await first.value == 3)
    }
}
