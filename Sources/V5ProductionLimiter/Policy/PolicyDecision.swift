/// The failure policy's answer: the store's decision, or what the policy did without one.
public enum PolicyDecision: Hashable, Sendable {
    /// The store decided.
    case decided(StoreDecision)
    /// The store failed; the local fallback limiter decided with its share of the limits.
    case fellBack(StoreDecision, cause: RateLimitStoreError)
    /// The store failed and the policy is fail-open: admitted without any limit.
    case failedOpen(cause: RateLimitStoreError)
    /// The store failed and the policy is fail-closed: refused (503), not because of a limit.
    case failedClosed(cause: RateLimitStoreError)

    /// Whether the request may proceed.
    public var isAllowed: Bool {
        switch self {
        case .decided(let decision), .fellBack(let decision, _): decision.isAllowed
        case .failedOpen: true
        case .failedClosed: false
        }
    }

    /// The limit decision behind the answer; nil when no limit was consulted.
    public var storeDecision: StoreDecision? {
        switch self {
        case .decided(let decision), .fellBack(let decision, _): decision
        case .failedOpen, .failedClosed: nil
        }
    }

    /// What the client is told, for metrics.
    public var outcome: DecisionOutcome {
        switch self {
        case .decided(let decision), .fellBack(let decision, _): decision.isAllowed ? .allowed : .limited
        case .failedOpen: .allowed
        case .failedClosed: .unavailable
        }
    }

    /// Who decided, for metrics.
    public var path: DecisionPath {
        switch self {
        case .decided: .store
        case .fellBack: .fallback
        case .failedOpen: .failOpen
        case .failedClosed: .failClosed
        }
    }
}
