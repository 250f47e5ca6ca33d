import Foundation
import Synchronization

/// Runs `body` on `count` new threads at once (each a new `ThreadStripe` ordinal) and returns each
/// thread's result, in index order.
///
/// Awaited rather than waited for: a test blocked in `wait()` holds one of the cooperative pool's
/// few threads (as many as cores), which every async test in the process needs to make progress.
/// The stage test targets have the same helper (`Support/RunOnThreads.swift`).
func runOnThreads<Result: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> Result) async -> [Result] {
    let results = ThreadResults<Result>(count: count)
    let finished = DispatchGroup()
    for index in 0..<count {
        finished.enter()
        Thread {
            results.store(body(index), at: index)
            finished.leave()
        }.start()
    }
    // The group's notification orders every thread's store before the read, for ThreadSanitizer too.
    return await withCheckedContinuation { continuation in
        finished.notify(queue: .global()) { continuation.resume(returning: results.all) }
    }
}

/// Results written by the threads of `runOnThreads`, one slot each.
private final class ThreadResults<Result: Sendable>: Sendable {
    private let slots: Mutex<[Result?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func store(_ value: Result, at index: Int) { slots.withLock { $0[index] = value } }

    var all: [Result] { slots.withLock { $0.map { $0! } } }
}
