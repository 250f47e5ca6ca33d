import Dispatch
import Synchronization

/// Holds threads until `parties` of them have arrived, then lets them all go.
///
/// Semaphore-based rather than spinning: the tests start more threads than this machine has
/// cores, and a spinning waiter would hold the core a late arriver needs to get here.
final class StartBarrier: Sendable {
    private let parties: Int
    private let arrivals = Atomic<Int>(0)
    private let timeouts = Atomic<Int>(0)
    private let released = DispatchSemaphore(value: 0)

    /// A barrier for `parties` threads.
    init(parties: Int) {
        precondition(parties >= 1, "a barrier needs at least one party")
        self.parties = parties
    }

    /// Whether every party arrived and was released together, with no waiter giving up.
    var hasReleasedEveryPartyTogether: Bool {
        arrivals.load(ordering: .acquiring) == parties && timeouts.load(ordering: .acquiring) == 0
    }

    /// Waits until all parties have arrived, or until `timeout` has passed.
    ///
    /// The time-out is a safety net, not a timing assertion: a change that keeps threads from
    /// arriving (say, calling `limitForKey` under the lock) fails the test instead of hanging it.
    func arriveAndWait(timeout: Duration = .seconds(60)) {
        if arrivals.add(1, ordering: .acquiringAndReleasing).newValue == parties {
            for _ in 1..<parties { released.signal() }
            return
        }
        let milliseconds = Int(timeout.components.seconds) * 1_000
        if released.wait(timeout: .now() + .milliseconds(milliseconds)) == .timedOut {
            timeouts.add(1, ordering: .acquiringAndReleasing)
        }
    }
}
