import Testing
@testable import HTTPEngine

@Suite("Loop confinement")
struct LoopConfinementTests {
    @Test func loopOnlyCallOffTheLoopThreadTrapsInsteadOfTouchingLoopState() async throws {
        // In a child process: the trap is the expected outcome. It stays on in release builds,
        // where an `assert` would vanish and the call would race the loop on its timer heap.
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let loop = try! EventLoop()
            loop.scheduleTimer(after: .seconds(1)) {}
        }
        let message = String(decoding: try #require(result).standardErrorContent, as: UTF8.self)
        #expect(message.contains("must run on event loop 0"))
    }
}
