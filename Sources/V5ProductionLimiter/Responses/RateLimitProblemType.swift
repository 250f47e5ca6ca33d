/// The RFC 9457 problem types of the middleware's `application/problem+json` bodies.
struct RateLimitProblemType {
    /// The `type` member: a URI identifying the kind of problem.
    let uri: String
    /// The `title` member; `nil` uses the status's reason phrase, as `about:blank` requires.
    let title: String?
    /// Members the problem type defines beyond RFC 9457's own.
    let extensionMembers: [(String, JSONValue)]

    /// The status code is the whole story (`about:blank`, RFC 9457 Section 4.2.1).
    static let statusOnly = RateLimitProblemType(uri: "about:blank", title: nil, extensionMembers: [])

    /// The draft's problem type for a refused request, naming the policies it exceeded.
    ///
    /// draft-ietf-httpapi-ratelimit-headers, Section 5.1 (Quota Exceeded): "This section defines
    /// the "https://iana.org/assignments/http-problem-types#quota-exceeded" problem type. A server
    /// MAY use this problem type if it wants to communicate to the client that the requests sent
    /// by the client exceed one or more Quota Policies. This problem type defines the extension
    /// member "violated-policies" as an array of strings, whose value is the names of policies
    /// where the quota was exceeded." The title is the one its IANA registration gives
    /// (Section 10.2.1: "Title: Quota Exceeded"); RFC 9457 asks that a title not vary between
    /// occurrences of a type.
    static func quotaExceeded(violatedPolicies: [String]) -> RateLimitProblemType {
        RateLimitProblemType(
            uri: "https://iana.org/assignments/http-problem-types#quota-exceeded",
            title: "Quota Exceeded",
            extensionMembers: [("violated-policies", .strings(violatedPolicies))]
        )
    }
}
