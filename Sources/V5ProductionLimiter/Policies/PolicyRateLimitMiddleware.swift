import HTTPEngine
import Synchronization

/// What the limiter decided for one request, left in the request's `HTTPRequestContext` for an
/// access log outside it.
public struct RateLimitOutcome: Sendable, Hashable {
    /// The policies involved, e.g. `tier:premium+route:/search`.
    public let policy: String
    /// `allowed`, `limited`, `shadow_limited` (a shadow policy would have refused), `fail_open`,
    /// `fallback_allowed`, `fallback_limited` or `unavailable`.
    public let decision: String
    /// The store key: `ip:<address>` or `key:<hash>`, never a raw API key.
    public let key: String
}

/// Where `PolicyRateLimitMiddleware` leaves its `RateLimitOutcome`.
public enum RateLimitOutcomeKey: HTTPRequestContextKey {
    public typealias Value = RateLimitOutcome
}

/// Rate limiting by policy: the client's tier (or its address), the route's limits and cost,
/// shadow mode, decided by a store behind its failure policy.
///
/// The same answers as `RateLimitMiddleware` (429 with `Retry-After` and the configured fields,
/// 503 when fail-closed, `X-RateLimit-Degraded` when decided without the store), with two
/// additions: a shadow policy's refusal is counted (`shadowRefusals`) and logged, and the request
/// goes on; and the outcome is left in the request context for the access log. A class: one
/// instance holds the policies a reload replaces.
public final class PolicyRateLimitMiddleware: HTTPMiddleware {
    /// The policies; read through a lock so a reload can replace them between requests.
    private let current: Mutex<PolicySet>
    public let store: GuardedStore
    public let addressResolver: ClientAddressResolver
    public let configuration: RateLimitResponseConfiguration
    private let shadowRefusalCount = Atomic<Int>(0)

    public init(policies: PolicySet, store: GuardedStore, addressResolver: ClientAddressResolver, configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration()) {
        current = Mutex(policies)
        self.store = store
        self.addressResolver = addressResolver
        self.configuration = configuration
    }

    /// The policies in force.
    public var policies: PolicySet { current.withLock { $0 } }

    /// Replaces the policies for requests that start from now on (a configuration reload). State
    /// in the store is kept: limits are found by name, so an unchanged limit keeps counting and a
    /// changed one (its name includes its numbers) starts fresh.
    public func replacePolicies(with policies: PolicySet) {
        current.withLock { $0 = policies }
    }

    /// Requests a shadow policy would have refused; they were let through.
    public var shadowRefusals: Int { shadowRefusalCount.load(ordering: .relaxed) }

    public func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
        let policies = policies
        let address = addressResolver.clientAddress(for: request)
        let resolution = policies.resolve(apiKey: request.headers[policies.apiKeyHeader], clientAddress: "\(address)", path: request.path)
        let question: RateLimitRequest
        do {
            question = try RateLimitRequest(key: resolution.key, limits: resolution.limits, cost: resolution.cost)
        } catch {
            // `PolicySet` checked every combination when it was built; reaching this is a bug.
            throw HTTPError(.internalServerError, message: "rate limit policy \(resolution.policyName): \(error)")
        }
        let decision = await store.decide(question)
        let fields = decision.storeDecision.map(RateLimitFields.init)
        var responseConfiguration = configuration
        responseConfiguration.policyName = resolution.policyName
        let label: String
        switch decision {
        case .failedClosed(let cause):
            record("unavailable", resolution, in: request)
            return RateLimitResponses.serviceUnavailable(cause, configuration: responseConfiguration)
        case .failedOpen:
            label = "fail_open"
        case .decided(let storeDecision):
            label = storeDecision.isAllowed ? "allowed" : (resolution.isShadow ? "shadow_limited" : "limited")
        case .fellBack(let storeDecision, _):
            label = storeDecision.isAllowed ? "fallback_allowed" : (resolution.isShadow ? "shadow_limited" : "fallback_limited")
        }
        record(label, resolution, in: request)
        if let fields, !decision.isAllowed {
            guard resolution.isShadow else {
                var refused = RateLimitResponses.tooManyRequests(fields, configuration: responseConfiguration)
                Self.markDegraded(decision, in: &refused.headers)
                return refused
            }
            shadowRefusalCount.add(1, ordering: .relaxed)
        }
        var response = try await next.handle(request)
        // A shadow refusal leaves the response as it would be without a limiter: the fields
        // would tell the client about a limit that is not enforced.
        if decision.isAllowed {
            fields?.apply(to: &response.headers, style: responseConfiguration.headerStyle, policyName: resolution.policyName)
        }
        Self.markDegraded(decision, in: &response.headers)
        return response
    }

    private func record(_ label: String, _ resolution: PolicyResolution, in request: HTTPRequest) {
        request.context?[RateLimitOutcomeKey.self] = RateLimitOutcome(policy: resolution.policyName, decision: label, key: resolution.key)
    }

    private static func markDegraded(_ decision: PolicyDecision, in headers: inout HTTPHeaders) {
        switch decision {
        case .decided, .failedClosed: break
        case .failedOpen: headers.replaceOrAdd(name: "X-RateLimit-Degraded", value: "fail-open")
        case .fellBack: headers.replaceOrAdd(name: "X-RateLimit-Degraded", value: "fallback")
        }
    }
}
