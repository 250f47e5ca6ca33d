import Foundation
import Synchronization

/// A fixed set of event loops, one thread each; connections are spread over them.
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]
    private let nextIndex = Atomic<Int>(0)

    /// Starts `loopCount` loops (default: one per CPU the process can keep busy, `AvailableCPUs`).
    public init(loopCount: Int = AvailableCPUs.count) throws {
        precondition(loopCount > 0, "an event loop group needs at least one loop")
        loops = try (0..<loopCount).map { try EventLoop(index: $0) }
    }

    /// Picks loops round-robin, e.g. for a new outbound connection.
    public func next() -> EventLoop {
        let index = nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
        return loops[index % loops.count]
    }

    /// Whether `loop` is one of this group's.
    public func contains(_ loop: EventLoop) -> Bool {
        loops.contains { $0 === loop }
    }

    /// The loop whose thread is calling, if any; lets callers stay on their own thread.
    public var currentLoop: EventLoop? {
        loops.first { $0.inEventLoop }
    }

    /// Stops every loop and waits for their threads to exit.
    public func shutdown() async {
        for loop in loops { loop.stop() }
        for loop in loops { await loop.waitUntilStopped() }
    }
}
