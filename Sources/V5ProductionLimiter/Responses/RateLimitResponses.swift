import HTTPEngine

/// The responses the middleware writes itself: 429 for a refused request, 400 for unusable key material.
enum RateLimitResponses {
    /// `429 Too Many Requests` with `Retry-After`, `Cache-Control: no-store` and a JSON body.
    ///
    /// The last one made is kept and handed out again while the fields and configuration are the
    /// same: a flood of refused requests gets the same answer for a second at a time, and building
    /// it (a JSON body, eight fields) cost more than the rest of a refusal. A response is a value
    /// whose storage is shared until someone changes it, so handing it out costs a retain.
    static func tooManyRequests(_ fields: RateLimitFields, configuration: RateLimitResponseConfiguration) -> HTTPResponse {
        if let response = lastRefusal.withLock({ last in last.flatMap { $0.fields == fields && $0.configuration == configuration ? $0.response : nil } }) {
            return response
        }
        let response = makeTooManyRequests(fields, configuration: configuration)
        lastRefusal.withLock { $0 = (fields, configuration, response) }
        return response
    }

    /// The refusal `tooManyRequests` made last, with what it was made from. Every loop refusing
    /// takes this lock, so it is `Locked`, whose turns ThreadSanitizer can see.
    private static let lastRefusal = Locked<(fields: RateLimitFields, configuration: RateLimitResponseConfiguration, response: HTTPResponse)?>(nil)

    private static func makeTooManyRequests(_ fields: RateLimitFields, configuration: RateLimitResponseConfiguration) -> HTTPResponse {
        let seconds = fields.retryAfterSeconds
        var response = errorResponse(
            .tooManyRequests,
            problem: .quotaExceeded(violatedPolicies: [configuration.policyName]),
            members: [("error", .string("rate_limited")), ("retry_after", .integer(seconds))],
            detail: "Rate limit exceeded; retry after \(seconds) \(seconds == 1 ? "second" : "seconds").",
            format: configuration.errorBodyFormat
        )
        response.headers.add(name: "Retry-After", value: String(seconds))
        // A cached 429 would keep refusing a client whose bucket has long refilled.
        response.headers.add(name: "Cache-Control", value: "no-store")
        fields.apply(to: &response.headers, style: configuration.headerStyle, policyName: configuration.policyName)
        return response
    }

    /// `503 Service Unavailable` for a fail-closed policy: the limits could not be consulted.
    ///
    /// Says so plainly, so a client (and whoever reads the logs) can tell "you sent too much"
    /// (429) from "we could not check" (503); `Retry-After: 1` because a breaker probes the
    /// store about that often, and a client that backs off helps it recover.
    static func serviceUnavailable(_ cause: RateLimitStoreError, configuration: RateLimitResponseConfiguration) -> HTTPResponse {
        let detail = "Rate limits could not be checked (\(cause.kind)); the request was not processed."
        var response = errorResponse(
            .serviceUnavailable,
            problem: .statusOnly,
            members: [("error", .string("rate_limiter_unavailable")), ("detail", .string(detail))],
            detail: detail,
            format: configuration.errorBodyFormat
        )
        response.headers.add(name: "Retry-After", value: "1")
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    /// `400 Bad Request` naming what is wrong with the key material.
    static func badRequest(_ error: RateLimitKeyError, configuration: RateLimitResponseConfiguration) -> HTTPResponse {
        var response = errorResponse(
            .badRequest,
            problem: .statusOnly,
            members: [("error", .string(error.code)), ("detail", .string(error.description))],
            detail: error.description,
            format: configuration.errorBodyFormat
        )
        response.headers.add(name: "Cache-Control", value: "no-store")
        return response
    }

    /// A JSON error body: `members` alone, or inside an RFC 9457 problem object.
    ///
    /// `detail` is an autoclosure because only problem bodies use it, and the 429 path is the one
    /// a flood of refused requests exercises.
    private static func errorResponse(
        _ status: HTTPStatus,
        problem: RateLimitProblemType,
        members: [(String, JSONValue)],
        detail: @autoclosure () -> String,
        format: RateLimitErrorBodyFormat
    ) -> HTTPResponse {
        let body: [(String, JSONValue)]
        let contentType: String
        switch format {
        case .json:
            body = members
            contentType = "application/json"
        case .problemDetails:
            let standard: [(String, JSONValue)] = [
                ("type", .string(problem.uri)),
                ("title", .string(problem.title ?? status.reasonPhrase)),
                ("status", .integer(Int64(status.code))),
                ("detail", .string(detail())),
            ]
            body = standard + problem.extensionMembers + members.filter { $0.0 != "detail" }
            contentType = "application/problem+json"
        }
        return HTTPResponse(
            status: status,
            headers: HTTPHeaders([("Content-Type", contentType)]),
            body: .init(string: JSONValue.object(body))
        )
    }
}

/// The kinds of JSON value the error bodies contain.
enum JSONValue {
    case string(String)
    case integer(Int64)
    case strings([String])

    /// A compact JSON object with members in the given order (stable for tests and docs).
    static func object(_ members: [(String, JSONValue)]) -> String {
        let rendered = members.map { name, value in "\(quoted(name)):\(value.rendered)" }
        return "{" + rendered.joined(separator: ",") + "}"
    }

    private var rendered: String {
        switch self {
        case .string(let text): Self.quoted(text)
        case .integer(let number): String(number)
        case .strings(let texts): "[" + texts.map(Self.quoted).joined(separator: ",") + "]"
        }
    }

    private static func quoted(_ text: String) -> String {
        JSONString.quoted(text)
    }
}
