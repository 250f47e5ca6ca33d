import HTTPEngine
import Synchronization

/// What the limiter decided for one request, left in the request's `HTTPRequestContext` for an
/// access log outside it.
///
/// A class of constants, so it behaves as a value: three strings did not fit in the context's
/// inline slot and took a box of their own, one allocation more per request.
public final class RateLimitOutcome: Sendable, Hashable {
    /// The policies involved, e.g. `tier:premium+route:/search`.
    public let policy: String
    /// `allowed`, `limited`, `shadow_limited` (a shadow policy would have refused), `fail_open`,
    /// `fallback_allowed`, `fallback_limited` or `unavailable`.
    public let decision: String
    /// The store key: `ip:<address>` or `key:<hash>`, never a raw API key.
    public let key: String

    init(policy: String, decision: String, key: String) {
        self.policy = policy
        self.decision = decision
        self.key = key
    }

    public static func == (left: RateLimitOutcome, right: RateLimitOutcome) -> Bool {
        left.policy == right.policy && left.decision == right.decision && left.key == right.key
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(policy)
        hasher.combine(decision)
        hasher.combine(key)
    }
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
    /// The policies; each loop reads its own copy (see `ReadMostly`), and a reload replaces
    /// them between requests.
    private let current: ReadMostly<PolicySet>
    public let store: GuardedStore
    public let addressResolver: ClientAddressResolver
    public let configuration: RateLimitResponseConfiguration
    /// Whether each request's `RateLimitOutcome` is left in its context, for an access log.
    public let recordsOutcomes: Bool
    private let shadowRefusalCount = Atomic<Int>(0)

    /// A limiter deciding with `store` by `policies`. `recordsOutcomes: false` leaves no outcome
    /// in the request context: for a server without an access log, which would be its only reader
    /// (recording is an object and a locked write per request).
    public init(policies: PolicySet, store: GuardedStore, addressResolver: ClientAddressResolver, configuration: RateLimitResponseConfiguration = RateLimitResponseConfiguration(), recordsOutcomes: Bool = true) {
        current = ReadMostly(policies)
        store.reserveLimitStates(perKey: policies.limitsPerClient)
        self.store = store
        self.addressResolver = addressResolver
        self.configuration = configuration
        self.recordsOutcomes = recordsOutcomes
    }

    /// The policies in force.
    public var policies: PolicySet { current.value }

    /// Replaces the policies for requests that start from now on (a configuration reload). State
    /// in the store is kept: limits are found by name, so an unchanged limit keeps counting and a
    /// changed one (its name includes its numbers) starts fresh.
    public func replacePolicies(with policies: PolicySet) {
        // Room first: a request under the new policies may meet more limits at once.
        store.reserveLimitStates(perKey: policies.limitsPerClient)
        current.replace(with: policies)
    }

    /// Requests a shadow policy would have refused; they were let through.
    public var shadowRefusals: Int { shadowRefusalCount.load(ordering: .relaxed) }

    public func handle(_ request: HTTPRequest, next: any HTTPHandler) async throws -> HTTPResponse {
        let admission: Admission
        if let decidedOnTheSpot = request.context?.removeValue(forKey: AdmissionKey.self) {
            // `respondImmediately` decided already (memory store) and left the go-ahead here.
            admission = decidedOnTheSpot
        } else {
            let (resolution, question) = question(for: request)
            switch verdict(on: await store.decide(question, on: request.eventLoop), for: resolution, in: request) {
            case .answer(let response): return response
            case .proceed(let decided): admission = decided
            }
        }
        return admission.finish(try await next.handle(request))
    }

    /// Decides on the spot when the store is memory in this process: a refusal is answered at
    /// once, without the handler task; a go-ahead is left in the request's context for `handle`,
    /// which then does not ask the store again. A store that must be awaited (Redis) gives nil
    /// with nothing spent.
    public func respondImmediately(to request: inout HTTPRequest, next: any HTTPHandler) -> HTTPResponse? {
        let (resolution, question) = question(for: request)
        // The store's own decision, not a `PolicyDecision`: memory never fails, and copying that
        // enum (a decision and an error side by side) through the verdict and the go-ahead was
        // 1.5 % of stage 5's CPU per request.
        guard let decision = store.decideInMemory(question, on: request.eventLoop) else { return nil }
        switch verdict(on: decision, degradation: .none, for: resolution, in: request) {
        case .answer(let response):
            return response
        case .proceed(let admission):
            if let response = next.respondImmediately(to: &request) { return admission.finish(response) }
            if request.context == nil { request.context = HTTPRequestContext() }
            request.context?[AdmissionKey.self] = admission
            return nil
        }
    }

    /// Lets the next layer answer later (a proxy forwarding from the loop's callbacks) when the
    /// go-ahead was decided on the spot: its fields are added to that answer as `handle` adds
    /// them. Without one (an awaited store) the request goes the `handle` way.
    public func respondLater(to request: HTTPRequest, with responder: HTTPResponder, next: any HTTPHandler) -> Bool {
        // Taken out at once: when the next layer takes the request, `handle` will not run for it
        // and nothing else reads the go-ahead; when it does not, the go-ahead goes back for `handle`.
        guard let context = request.context, let admission = context.removeValue(forKey: AdmissionKey.self) else { return false }
        guard next.respondLater(to: request, with: responder.mappingResponse { admission.finish($0) }) else {
            context[AdmissionKey.self] = admission
            return false
        }
        return true
    }

    /// The policies that apply to `request` and the store question they make.
    private func question(for request: HTTPRequest) -> (PolicyResolution, RateLimitRequest) {
        let policies = current.value
        let address = addressResolver.clientAddressText(for: request)
        // The path and the host only when a route needs them: each is a string made per request.
        let path = policies.routes.isEmpty ? "" : request.path
        let hostField = policies.matchesHosts ? request.headers["host"] : nil
        let resolution = policies.resolve(apiKey: request.headers[policies.apiKeyHeader], clientAddress: address, path: path, hostField: hostField)
        // `PolicySet` checked every combination of limits and cost when it was built.
        return (resolution, RateLimitRequest(checkedKey: resolution.key, limits: resolution.limits, cost: resolution.cost))
    }

    /// What `decision` means for the request: the limiter's own answer, or a go-ahead. Records the
    /// outcome in the request's context and counts shadow refusals, once per request.
    private func verdict(on decision: PolicyDecision, for resolution: PolicyResolution, in request: HTTPRequest) -> Verdict {
        switch decision {
        case .decided(let storeDecision):
            return verdict(on: storeDecision, degradation: .none, for: resolution, in: request)
        case .fellBack(let storeDecision, _):
            return verdict(on: storeDecision, degradation: .fallback, for: resolution, in: request)
        case .failedOpen:
            record("fail_open", resolution, in: request)
            return proceed(fields: nil, degradation: .failOpen, for: resolution)
        case .failedClosed(let cause):
            record("unavailable", resolution, in: request)
            return .answer(RateLimitResponses.serviceUnavailable(cause, configuration: responseConfiguration(for: resolution)))
        }
    }

    /// The verdict on a limit decision, made by the store (`degradation` `.none`) or by the
    /// fallback limiter while the store is down (`.fallback`).
    private func verdict(on decision: StoreDecision, degradation: Degradation, for resolution: PolicyResolution, in request: HTTPRequest) -> Verdict {
        let fields = RateLimitFields(decision)
        if decision.isAllowed {
            record(degradation == .fallback ? "fallback_allowed" : "allowed", resolution, in: request)
            return proceed(fields: fields, degradation: degradation, for: resolution)
        }
        guard resolution.isShadow else {
            record(degradation == .fallback ? "fallback_limited" : "limited", resolution, in: request)
            var refused = RateLimitResponses.tooManyRequests(fields, configuration: responseConfiguration(for: resolution))
            degradation.mark(&refused.headers)
            return .answer(refused)
        }
        record("shadow_limited", resolution, in: request)
        shadowRefusalCount.add(1, ordering: .relaxed)
        // No fields: they would tell the client about a limit that is not enforced.
        return proceed(fields: nil, degradation: degradation, for: resolution)
    }

    /// A go-ahead that adds `fields` (if any) and the marker of `degradation` to the answer.
    private func proceed(fields: RateLimitFields?, degradation: Degradation, for resolution: PolicyResolution) -> Verdict {
        .proceed(Admission(fields: fields, degradation: degradation, headerStyle: configuration.headerStyle, policyName: resolution.policyName))
    }

    /// The response configuration with the policies' name, for the answers the limiter writes.
    private func responseConfiguration(for resolution: PolicyResolution) -> RateLimitResponseConfiguration {
        var responseConfiguration = configuration
        responseConfiguration.policyName = resolution.policyName
        return responseConfiguration
    }

    private func record(_ label: String, _ resolution: PolicyResolution, in request: HTTPRequest) {
        guard recordsOutcomes else { return }
        request.context?[RateLimitOutcomeKey.self] = RateLimitOutcome(policy: resolution.policyName, decision: label, key: resolution.key)
    }
}

/// What the limiter made of a request: its own answer (a refusal, or 503 when fail-closed), or
/// a go-ahead to the next layer.
private enum Verdict {
    case answer(HTTPResponse)
    case proceed(Admission)
}
