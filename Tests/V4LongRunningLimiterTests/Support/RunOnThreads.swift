import Dispatch
import Foundation
import Synchronization

/// Runs `body` on `count` new threads at once and returns each thread's result, in index order.
///
/// Dedicated threads, not `DispatchQueue.concurrentPerform`: that runs about one iteration per
/// core at a time, so on a 2-core machine a barrier for six iterations would never fill.
func runOnThreads<Result: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> Result) -> [Result] {
    let results = ThreadResults<Result>(count: count)
    let finished = DispatchGroup()
    for index in 0..<count {
        finished.enter()
        Thread {
            results.store(body(index), at: index)
            finished.leave()
        }.start()
    }
    finished.wait()
    return results.all
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
