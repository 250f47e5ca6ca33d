/// Why a message was rejected; each case maps to the status the server answers with.
public enum HTTPParseError: Error, Sendable, Equatable {
    case invalidRequestLine
    case invalidStatusLine
    case unsupportedVersion
    case requestTargetTooLong
    case headersTooLarge
    case tooManyHeaders
    case invalidHeaderName
    case whitespaceBeforeColon
    case obsoleteLineFolding
    case invalidHeaderValue
    case bareLineFeed
    case missingHost
    case conflictingFraming
    case invalidContentLength
    case conflictingContentLength
    case invalidTransferEncoding
    case unsupportedTransferEncoding
    case invalidChunkSize
    case invalidChunkTerminator
    case chunkLineTooLong
    case chunkExtensionsTooLarge
    case truncatedMessage

    /// The status a server sends for this error before closing the connection.
    public var status: HTTPStatus {
        switch self {
        case .requestTargetTooLong: .uriTooLong
        case .headersTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .unsupportedTransferEncoding: .notImplemented
        case .unsupportedVersion: .httpVersionNotSupported
        default: .badRequest
        }
    }
}
