import HTTPEngine

/// The race between a store call and the time-out: whichever comes first decides, and the
/// loser is not waited for (see `FirstResult`).
extension GuardedStore {
    /// The result of `operation`, or `.timedOut` once `timeout` passes on `clock`.
    ///
    /// Both sides are tasks on the global executor and the time-out is the clock's `sleep`:
    /// what works anywhere and with any clock, so a test's `ManualClock` drives the time-out.
    func withinTimeout<Value: Sendable>(_ operation: @escaping @Sendable () async throws(RateLimitStoreError) -> Value) async -> Result<Value, RateLimitStoreError> {
        let first = FirstResult<Value, RateLimitStoreError>()
        let call = Task {
            do throws(RateLimitStoreError) {
                first.offer(.success(try await operation()))
            } catch {
                first.offer(.failure(error))
            }
        }
        let timeout = self.timeout
        let clock = self.clock
        let timer = Task {
            // Cancelled when the store answers first: the sleep throws and nothing is offered.
            guard (try? await clock.sleep(for: timeout)) != nil else { return }
            first.offer(.failure(.timedOut(timeout)))
        }
        let result = await first.wait()
        call.cancel()
        timer.cancel()
        return result
    }

    /// The same race on `loop`, the caller's (call only on its thread): the store call is a task
    /// that prefers the loop, and the time-out is one of the loop's timers.
    ///
    /// The store's own client then runs where the request already is: the Redis store's
    /// connection for this loop is written and read by this loop's thread, so the call and the
    /// answer cross no thread. The general race, the rejected alternative for this case, runs both
    /// tasks on the global executor and arms a Dispatch timer per request: with the Redis store,
    /// Dispatch's threads held a third of the proxy's user CPU samples, and every decision
    /// crossed threads four times.
    func withinTimeout<Value: Sendable>(on loop: EventLoop, _ operation: @escaping @Sendable () async throws(RateLimitStoreError) -> Value) async -> Result<Value, RateLimitStoreError> {
        let first = FirstResult<Value, RateLimitStoreError>()
        let call = Task(executorPreference: loop) {
            do throws(RateLimitStoreError) {
                first.offer(.success(try await operation()))
            } catch {
                first.offer(.failure(error))
            }
        }
        let timeout = self.timeout
        let timer = loop.scheduleTimer(after: timeout) { first.offer(.failure(.timedOut(timeout))) }
        let result = await first.wait()
        // The caller usually resumes on the loop (a handler task prefers it); a timer left armed
        // elsewhere only offers to a race already decided when it fires.
        if loop.inEventLoop { loop.cancelTimer(timer) }
        call.cancel()
        return result
    }
}
