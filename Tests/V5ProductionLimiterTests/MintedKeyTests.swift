import HTTPEngine
import Testing
import V5ProductionLimiter

/// The documented limitation of client-chosen keys: stage 3 cannot tell a real key from a minted one.
@Suite struct MintedKeyTests {
    @Test(arguments: [
        ("X-API-Key", "minted-"),
        ("Authorization", "Bearer minted-"),
    ])
    func distinctMintedKeysAreEachAdmitted(header: String, prefix: String) async throws {
        let handler = CountingHandler()
        let (middleware, store) = memoryMiddleware(
            limit: try BucketLimit(capacity: 1, refillRatePerSecond: 0.001),
            keyExtractor: .firstAvailable(.apiKey(), .bearerToken()))
        // Same client, same instant, a burst of 1: only fresh keys get it past the limit.
        for index in 0..<1_000 {
            let request = TestRequests.request(headers: [(header, prefix + String(index))])
            #expect(try await middleware.handle(request, next: handler).status == .ok)
        }
        #expect(handler.calls.value == 1_000)
        #expect(store.statistics.keyCount == 1_000)
    }
}
