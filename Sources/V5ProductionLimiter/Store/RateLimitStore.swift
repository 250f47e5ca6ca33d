/// Where limits are counted: memory in this process (`InMemoryStore`), or a server shared by
/// many processes (a Redis store).
///
/// One call per request, and the store owns time: it reads its own clock (in memory, the
/// injected `RateLimitClock`; in Redis, the server's `TIME` inside the script), so callers on
/// hosts with skewed clocks cannot hand out extra units by passing their own "now".
///
/// The contract every store keeps, checked by `StoreBehaviourSuite` for each store:
/// - admitted only if every limit admits `cost` units, and then every limit is charged;
/// - refused means *no* limit was charged, not even those that would have admitted;
/// - keys are independent; limits of one key are independent of each other except for the
///   all-or-nothing rule above;
/// - the same trace of requests and time steps gives the same decisions in every store;
/// - `inspect` changes nothing: no unit is spent, no key is created, and the next `decide`
///   answers as if the inspection never happened, in line with what it reported.
///
/// Async because the interesting stores are across a network; a failure throws a
/// `RateLimitStoreError` for the failure policy (`GuardedStore`), never a decision in disguise.
public protocol RateLimitStore: Sendable {
    /// Spends `request.cost` units of every limit of `request.key`, or none; the store's answer.
    func decide(_ request: RateLimitRequest) async throws(RateLimitStoreError) -> StoreDecision

    /// What `decide` would answer for `request` now, per limit, without spending or storing
    /// anything: for operators asking why a client is refused (`/explain`).
    ///
    /// A separate call rather than a flag on `decide`, so no store can charge by mistake: the
    /// Redis store runs it as a script declared `no-writes`, which the server refuses to let write.
    func inspect(_ request: RateLimitRequest) async throws(RateLimitStoreError) -> StoreInspection
}
