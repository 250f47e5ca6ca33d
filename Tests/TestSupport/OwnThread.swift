import Foundation

/// The value of `body` run on a new thread of its own, for work that blocks its thread (a wait,
/// a child process, a thread whose CPU affinity a test changes): a test blocked there itself would
/// hold one of the cooperative pool's few threads (as many as cores), which every async test in
/// the process needs to make progress.
public func onOwnThread<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}
