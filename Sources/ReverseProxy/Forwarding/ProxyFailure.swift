import HTTPEngine

/// Why the proxy answered instead of a backend; becomes a small JSON response.
struct ProxyFailure: Sendable, Equatable {
    var status: HTTPStatus
    /// A stable machine-readable code, e.g. `no_healthy_backend`.
    var code: String
    var message: String

    static func noRoute(path: String) -> ProxyFailure {
        ProxyFailure(status: .notFound, code: "no_route", message: "no route for \(path)")
    }

    static func noHealthyBackend(pool: String) -> ProxyFailure {
        ProxyFailure(status: .serviceUnavailable, code: "no_healthy_backend", message: "no healthy backend in pool \(pool)")
    }

    static let methodNotAllowed = ProxyFailure(
        status: HTTPStatus(code: 405, reasonPhrase: "Method Not Allowed"),
        code: "method_not_allowed",
        message: "CONNECT is not proxied"
    )

    /// 502 for what the backend got wrong, 504 for time-outs, 503 when no connection could be had.
    init(_ error: HTTPEngineError, backend: Backend) {
        let code = switch error.status.code {
        case 504: "upstream_timeout"
        case 503: "upstream_unavailable"
        case 400: "bad_request_body"
        default: "bad_gateway"
        }
        self.init(status: error.status, code: code, message: "\(backend): \(error)")
    }

    init(status: HTTPStatus, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// `{"error":"…","status":…,"message":"…","request_id":"…"}` with the request ID field set.
    func response(requestID: HTTPRequestID?, requestIDField: String?) -> HTTPResponse {
        var json = "{\"error\":\(Self.quoted(code)),\"status\":\(status.code),\"message\":\(Self.quoted(message))"
        if let requestID { json += ",\"request_id\":\(Self.quoted(requestID.description))" }
        json += "}\n"
        var headers = HTTPHeaders([("Content-Type", "application/json"), ("Cache-Control", "no-store")])
        if let requestID, let requestIDField { requestID.withUTF8 { headers.add(name: requestIDField, valueBytes: $0) } }
        return HTTPResponse(status: status, headers: headers, body: .init(string: json))
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let digits = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
