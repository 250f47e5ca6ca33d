/// One question for a store: may `key` spend `cost` units of every limit in `limits`.
///
/// Validated once, here, so no store has to: every limit must be able to admit the cost
/// (a cost above a capacity could never succeed), and names must be distinct because they
/// identify each limit's state. A store can then treat any remaining failure as its own.
public struct RateLimitRequest: Hashable, Sendable {
    /// The client's key, e.g. `ip:192.0.2.7`.
    public let key: String
    /// Every limit the key is held to; all must admit the request.
    public let limits: [RateLimit]
    /// Units the request spends from each limit.
    public let cost: Int

    /// The most limits one request may carry: each is state a store reads and writes per decision
    /// (and an argument group of the Redis script), so the number is kept small on purpose.
    public static let maximumLimitCount = 8

    /// A request from limits and a cost already checked together (a `PolicySet` checks every
    /// combination it can make when it is built), so the per-request path does not check again.
    init(checkedKey key: String, limits: [RateLimit], cost: Int) {
        self.key = key
        self.limits = limits
        self.cost = cost
    }

    /// A validated request.
    public init(key: String, limits: [RateLimit], cost: Int = 1) throws(RateLimitError) {
        guard !limits.isEmpty, limits.count <= Self.maximumLimitCount else {
            throw .invalidLimitSet("between 1 and \(Self.maximumLimitCount) limits are needed, got \(limits.count)")
        }
        // Pairwise rather than through a `Set`: at most 8 limits, and no allocation per request.
        let hasDuplicate = limits.indices.contains { index in limits[..<index].contains { $0.name == limits[index].name } }
        guard !hasDuplicate else {
            throw .invalidLimitSet("two limits share a name: \(limits.map(\.name).joined(separator: ", "))")
        }
        for limit in limits where cost < 1 || cost > limit.capacity {
            throw .invalidCost(cost, capacity: limit.capacity)
        }
        self.key = key
        self.limits = limits
        self.cost = cost
    }
}
