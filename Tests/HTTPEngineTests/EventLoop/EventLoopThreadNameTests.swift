import Foundation
import Testing
@testable import HTTPEngine

@Suite("Event loop thread name")
struct EventLoopThreadNameTests {
    /// The name the system shows (`/proc/<pid>/task/<tid>/comm`, read by `top -H` and `perf`),
    /// not only Foundation's own copy of it.
    @Test func theSystemSeesEachLoopThreadByItsLoopsIndex() async throws {
        let group = try EventLoopGroup(loopCount: 2)
        var names: [String] = []
        for loop in group.loops {
            let name = await withCheckedContinuation { continuation in
                loop.execute {
                    let comm = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
                    continuation.resume(returning: comm?.trimmingCharacters(in: .newlines) ?? "")
                }
            }
            names.append(name)
        }
        await group.shutdown()
        #expect(names == ["EventLoop-0", "EventLoop-1"])
    }

    @Test func aLoopsNameFitsTheSystemsFifteenBytes() {
        #expect(EventLoop.threadName(index: 0) == "EventLoop-0")
        #expect(EventLoop.threadName(index: 99_999).utf8.count <= 15)
    }
}
