import HTTPEngine

/// A go-ahead, and what it adds to the response the next layer gives.
///
/// A class: it is stored in the request context and then captured by the responder's step, and
/// one reference goes into both without a box (a struct this size took a box in the context and
/// a closure context in the step, two allocations per request instead of this one). It keeps
/// only what `finish` writes, plain numbers and the policy's name: holding the whole
/// `PolicyDecision` and response configuration cost a copy and a destroy of each per request.
final class Admission: Sendable {
    /// The limit's fields; nil when none are sent (fail-open decided without a limit, or a
    /// shadow policy refused: the fields would tell the client about a limit that is not enforced).
    let fields: RateLimitFields?
    let degradation: Degradation
    let headerStyle: RateLimitHeaderStyle
    let policyName: String

    init(fields: RateLimitFields?, degradation: Degradation, headerStyle: RateLimitHeaderStyle, policyName: String) {
        self.fields = fields
        self.degradation = degradation
        self.headerStyle = headerStyle
        self.policyName = policyName
    }

    /// `response` with the limit's fields and the degraded marker.
    func finish(_ response: consuming HTTPResponse) -> HTTPResponse {
        var response = response
        fields?.apply(to: &response.headers, style: headerStyle, policyName: policyName)
        degradation.mark(&response.headers)
        return response
    }
}

/// Where `respondImmediately` leaves its go-ahead for `handle`.
enum AdmissionKey: HTTPRequestContextKey {
    typealias Value = Admission
}
