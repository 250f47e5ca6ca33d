import Synchronization
import ThreadSanitizerAnnotations

/// A clock that moves only when told to: tests decide what "now" is, and nothing sleeps for real.
///
/// `sleep(until:)` suspends until `advance(by:)` or `advance(to:)` reaches the deadline, so a test
/// drives a background task (the limiter's cleanup) step by step. It can also be set *backwards*
/// with `set(to:)`, which no real monotonic clock does, to check that the limiter survives a
/// clock that misbehaves anyway.
public final class ManualClock: RateLimitClock {
    private struct Sleeper {
        var deadline: MonotonicInstant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var sleepers: [Int: Sleeper] = [:]
        var nextSleeperID = 0
        /// Tests waiting for a number of sleepers, resumed once that many are asleep.
        var sleeperWatchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    /// The reading, apart from the sleepers so that reading it (every decision) takes no lock.
    private let nanoseconds: Atomic<Int64>
    private let sleepers = Mutex(State())

    /// A clock reading `start`.
    public init(startingAt start: MonotonicInstant = MonotonicInstant(nanoseconds: 0)) {
        nanoseconds = Atomic(start.nanoseconds)
    }

    public var now: MonotonicInstant { MonotonicInstant(nanoseconds: nanoseconds.load(ordering: .acquiring)) }

    public var minimumResolution: Duration { .nanoseconds(1) }

    /// Moves the clock forward by `duration` (which must not be negative), waking due sleepers.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "ManualClock.advance(by:) moves forward only; use set(to:) to step back")
        let due = withState { state in
            let moved = now + duration
            nanoseconds.store(moved.nanoseconds, ordering: .releasing)
            return Self.removeDue(from: &state, at: moved)
        }
        for sleeper in due { sleeper.resume() }
    }

    /// Sets the clock to `instant`, forwards or backwards, waking sleepers whose deadline has passed.
    public func set(to instant: MonotonicInstant) {
        let due = withState { state in
            nanoseconds.store(instant.nanoseconds, ordering: .releasing)
            return Self.removeDue(from: &state, at: instant)
        }
        for sleeper in due { sleeper.resume() }
    }

    /// How many tasks are suspended in `sleep(until:)` right now.
    public var sleeperCount: Int { withState { $0.sleepers.count } }

    /// Returns once at least `count` tasks are suspended in `sleep(until:)`.
    ///
    /// How a test knows a background task has finished its step and gone back to sleep, without
    /// polling or sleeping itself.
    public func waitForSleepers(count: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isReady = withState { state in
                if state.sleepers.count >= count { return true }
                state.sleeperWatchers.append((count, continuation))
                return false
            }
            if isReady { continuation.resume() }
        }
    }

    /// Suspends until the clock reaches `deadline`; throws `CancellationError` if cancelled first.
    public func sleep(until deadline: MonotonicInstant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        let id = withState { state in
            defer { state.nextSleeperID += 1 }
            return state.nextSleeperID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: SleepStart = withState { state in
                    // Cancelled before we registered: the handler already ran and found nothing.
                    if Task.isCancelled { return .cancelled }
                    if deadline <= now { return .due }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return .asleep(Self.removeReadyWatchers(from: &state))
                }
                switch outcome {
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .due: continuation.resume()
                case .asleep(let watchers): for watcher in watchers { watcher.resume() }
                }
            }
        } onCancel: {
            let sleeper = withState { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    private enum SleepStart {
        case cancelled, due, asleep([CheckedContinuation<Void, Never>])
    }

    /// Takes out the sleepers whose deadline has come; they are resumed outside the lock.
    private static func removeDue(from state: inout State, at now: MonotonicInstant) -> [CheckedContinuation<Void, any Error>] {
        let due = state.sleepers.filter { $0.value.deadline <= now }
        for id in due.keys { state.sleepers.removeValue(forKey: id) }
        return due.values.sorted { $0.deadline < $1.deadline }.map(\.continuation)
    }

    /// Takes out the watchers whose sleeper count has been reached.
    private static func removeReadyWatchers(from state: inout State) -> [CheckedContinuation<Void, Never>] {
        let count = state.sleepers.count
        let ready = state.sleeperWatchers.filter { $0.count <= count }.map(\.continuation)
        state.sleeperWatchers.removeAll { $0.count <= count }
        return ready
    }

    /// `sleepers.withLock`, with the critical section announced to ThreadSanitizer, which cannot
    /// see `Mutex`'s futex hand-off.
    private func withState<Result>(_ body: (inout State) -> Result) -> Result {
        let identity = Unmanaged.passUnretained(self).toOpaque()
        return sleepers.withLock { state in
            ThreadSanitizer.acquire(identity)
            defer { ThreadSanitizer.release(identity) }
            return body(&state)
        }
    }
}
