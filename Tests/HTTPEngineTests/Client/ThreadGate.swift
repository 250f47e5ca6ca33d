import Foundation
import Glibc
@testable import HTTPEngine

/// A one-shot gate threads block on, built on a pthread mutex and condition so
/// ThreadSanitizer sees the ordering it creates (it cannot see a `Mutex` hand-off
/// that goes through the kernel).
final class ThreadGate: @unchecked Sendable {
    // @unchecked Sendable: `isOpen` is read and written only with `mutex` held.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var isOpen = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func open() {
        pthread_mutex_lock(mutex)
        isOpen = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Blocks the calling thread until the gate opens; false when `timeout` passes first.
    func wait(timeout: Duration = .seconds(60)) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(deadline.tv_nsec) + Int(attoseconds / 1_000_000_000)
        deadline.tv_sec += Int(seconds) + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !isOpen {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { return isOpen }
        }
        return true
    }

    /// Waits without occupying a cooperative thread; false on time-out.
    func wait(timeout: Duration = .seconds(60)) async throws -> Bool {
        try await blocking { self.wait(timeout: timeout) }
    }
}
