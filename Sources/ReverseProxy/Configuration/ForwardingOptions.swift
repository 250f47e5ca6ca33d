/// How the proxy rewrites the fields of what it forwards.
public struct ForwardingOptions: Sendable, Equatable {
    /// Which fields tell the backend who the client was.
    public enum ClientFields: Sendable, Equatable {
        /// `X-Forwarded-For` (appended to), `X-Forwarded-Proto`, `X-Forwarded-Host` (replaced).
        case xForwarded
        /// RFC 7239 `Forwarded: for=…;host=…;proto=…`, one element appended per proxy.
        case forwarded
        /// Both of the above.
        case both
    }

    public var clientFields: ClientFields
    /// True: the backend sees the client's `Host`; false: `Host` becomes the backend's `host:port`.
    public var preservesHost: Bool
    /// When set, `Via: 1.1 <pseudonym>` is appended to requests and responses (RFC 9110 §7.6.3).
    public var viaPseudonym: String?
    /// The request-ID field: passed through when the client sent a sane one (1–128 visible
    /// ASCII characters), else replaced by a generated 32-hex-digit ID; echoed on the response.
    /// nil: the field is forwarded untouched and none is generated.
    public var requestIDField: String?
    /// The scheme the client used to reach the proxy (`X-Forwarded-Proto`, `proto=`).
    public var scheme: String

    public init(
        clientFields: ClientFields = .xForwarded,
        preservesHost: Bool = true,
        viaPseudonym: String? = nil,
        requestIDField: String? = "X-Request-ID",
        scheme: String = "http"
    ) {
        self.clientFields = clientFields
        self.preservesHost = preservesHost
        self.viaPseudonym = viaPseudonym
        self.requestIDField = requestIDField
        self.scheme = scheme
    }

    func validate() throws(ReverseProxyConfigurationError) {
        if let viaPseudonym, viaPseudonym.isEmpty || !viaPseudonym.utf8.allSatisfy(Self.isTokenCharacter) {
            throw .invalidField("via pseudonym", "\"\(viaPseudonym)\" must be a non-empty token (letters, digits, !#$%&'*+-.^_`|~)")
        }
        if let requestIDField, requestIDField.isEmpty || !requestIDField.utf8.allSatisfy(Self.isTokenCharacter) {
            throw .invalidField("request ID field", "\"\(requestIDField)\" is not a field name")
        }
        guard !scheme.isEmpty, scheme.utf8.allSatisfy(Self.isTokenCharacter) else {
            throw .invalidField("scheme", "\"\(scheme)\" is not a scheme")
        }
    }

    /// RFC 9110 `tchar`.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
