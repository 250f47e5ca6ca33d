/// Why a request's key material was refused; the middleware answers 400 naming the problem.
public enum RateLimitKeyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The field is longer than the configured maximum (bytes).
    case tooLong(field: String, maximumBytes: Int)
    /// The field's bytes are not valid UTF-8.
    case invalidUTF8(field: String)
    /// The field contains a control character or a space where none is allowed.
    case invalidCharacter(field: String)
    /// The field appears more than once, so which value to use would be a guess.
    case repeatedField(field: String)
    /// `Authorization` uses the Bearer scheme but its token is empty or malformed.
    case malformedBearerToken
    /// The request target has no path that can be keyed unambiguously; `reason` says why.
    case malformedPath(reason: String)
    /// None of the configured sources of key material is present in the request.
    case missing(sources: String)

    /// A short machine-readable code for the JSON `error` member.
    public var code: String {
        switch self {
        case .tooLong: "key_too_long"
        case .invalidUTF8: "key_not_utf8"
        case .invalidCharacter: "key_invalid_character"
        case .repeatedField: "key_field_repeated"
        case .malformedBearerToken: "malformed_bearer_token"
        case .malformedPath: "malformed_path"
        case .missing: "key_missing"
        }
    }

    public var description: String {
        switch self {
        case .tooLong(let field, let maximumBytes):
            "\(field) is longer than \(maximumBytes) bytes"
        case .invalidUTF8(let field):
            "\(field) is not valid UTF-8"
        case .invalidCharacter(let field):
            "\(field) contains a control character or whitespace"
        case .repeatedField(let field):
            "\(field) appears more than once"
        case .malformedBearerToken:
            "Authorization has the Bearer scheme but no well-formed token"
        case .malformedPath(let reason):
            "the request path \(reason)"
        case .missing(let sources):
            "the request carries no rate-limit key (expected \(sources))"
        }
    }
}
