import Foundation

/// Runs `body` once on each of `count` new threads (each a new `ThreadStripe` ordinal) and
/// returns their results in thread order once all have finished.
func runOnNewThreads<Result: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> Result) -> [Result] {
    let results = ResultSlots<Result>(count: count)
    let finished = DispatchGroup()
    for index in 0..<count {
        finished.enter()
        Thread {
            results.set(body(index), at: index)
            finished.leave()
        }.start()
    }
    finished.wait()
    return results.values
}

/// Results written by the threads of `runOnNewThreads`, one slot each.
private final class ResultSlots<Result: Sendable>: @unchecked Sendable {
    // @unchecked: each slot is written by one thread before `leave`, read after `wait`.
    private var slots: [Result?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ value: Result, at index: Int) { lock.withLock { slots[index] = value } }

    var values: [Result] { lock.withLock { slots.map { $0! } } }
}
