import Dispatch
import Foundation
import Synchronization

/// Runs `body` on `count` new threads at once and returns each thread's result, in index order.
///
/// Dedicated threads, not `DispatchQueue.concurrentPerform`: that runs about one iteration per
/// core at a time, so on a 2-core machine a barrier for six iterations would never fill. Awaited
/// rather than waited for: a test blocked in `wait()` holds one of the cooperative pool's few
/// threads (as many as cores), which every async test in the process needs to make progress.
public func runOnThreads<Result: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> Result) async -> [Result] {
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

/// One slot per thread, filled as threads finish.
private final class ThreadResults<Result: Sendable>: Sendable {
    private let slots: Mutex<[Result?]>

    init(count: Int) {
        slots = Mutex([Result?](repeating: nil, count: count))
    }

    func store(_ result: Result, at index: Int) {
        slots.withLock { $0[index] = result }
    }

    var all: [Result] {
        slots.withLock { $0.map { $0! } }
    }
}
