extension EventLoop {
    /// Runs `body` on this loop's thread: directly when already there, otherwise by moving
    /// the calling task onto the loop (task-executor preference), where it stays until
    /// `body` returns. Throws `HTTPEngineError` `.eventLoopStopped` when the loop has exited.
    ///
    /// Preferred over `execute` plus a continuation resumed from the loop thread: the job
    /// queue is annotated for ThreadSanitizer, while the runtime's continuation hand-off is
    /// not (swiftlang/swift#57803), and continuations created inside `body` are then stored
    /// and resumed on one thread.
    public func perform<Result>(_ body: () async throws -> Result) async throws -> Result {
        if inEventLoop { return try await body() }
        return try await withTaskExecutorPreference(self) {
            guard inEventLoop else { throw HTTPEngineError.eventLoopStopped }
            return try await body()
        }
    }
}
