/// A request's own time-out: one limit over the pool wait, the connect, the write and
/// the wait for the response head.
extension HTTPClient {
    /// Runs `exchange` (on the caller's loop) and cancels it when `timeout` passes first;
    /// cancelling leaves the pool queue, stops a connect from serving this request and
    /// closes a connection mid-exchange, so a late answer never lands on a reused one.
    static func execute(
        within timeout: Duration,
        _ exchange: @escaping @Sendable () async throws -> HTTPClientResponse
    ) async throws -> HTTPClientResponse {
        try await withThrowingTaskGroup(of: HTTPClientResponse?.self) { group in
            // Child tasks inherit the loop preference, so the exchange stays on the loop.
            group.addTask { try await exchange() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw HTTPClientError.requestTimeout
            }
            defer { group.cancelAll() }
            // The first to finish decides; the other is cancelled (and awaited) on the way out.
            guard let response = try await group.next() ?? nil else { throw HTTPClientError.requestTimeout }
            return response
        }
    }
}
