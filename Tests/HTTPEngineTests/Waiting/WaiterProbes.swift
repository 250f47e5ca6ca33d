@testable import HTTPEngine

// Whether a task is suspended in each of the engine's waits; read on the owner's loop.
extension BodyChunkBuffer {
    var hasWaiter: Bool { waiter?.isWaiting ?? false }
}

extension ServerConnection {
    var hasWriteWaiter: Bool { writeWaiter?.isWaiting ?? false }
}
