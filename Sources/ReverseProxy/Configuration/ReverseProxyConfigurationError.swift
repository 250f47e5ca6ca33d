/// Why a proxy configuration was refused; the message names the offending field.
public enum ReverseProxyConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `field` holds a value that cannot work; `reason` says which and why.
    case invalidField(_ field: String, _ reason: String)

    public var description: String {
        switch self {
        case .invalidField(let field, let reason): "invalid \(field): \(reason)"
        }
    }
}
