/// Why bytes from a server are not valid RESP2, or exceed a `RESPDecoderLimits` bound.
///
/// After any of these the byte stream cannot be trusted to be in step with the commands sent, so
/// the connection must be closed; the decoder keeps throwing the same error if called again.
/// No case carries the offending bytes: they may hold anything, and errors end up in logs.
public enum RESPProtocolError: Error, Sendable, Hashable {
    /// A value started with a byte that is not `+`, `-`, `:`, `$` or `*`.
    case invalidTypeByte(UInt8)
    /// A line's CR was followed by something other than LF, or an LF came without a CR.
    case invalidLineTerminator
    /// No CRLF within `limit` bytes of a line's start.
    case lineTooLong(limit: Int)
    /// An integer reply that is not an optional sign followed by decimal digits.
    case invalidInteger
    /// An integer reply outside the signed 64-bit range the specification guarantees.
    case integerOutOfRange
    /// A `$` or `*` length that is not canonical decimal digits or `-1`.
    case invalidLength
    /// A `$` or `*` length below zero other than the null marker `-1`.
    case negativeLength
    /// A bulk string announced longer than `limit` bytes (including lengths too large for 64 bits).
    case bulkStringTooLong(limit: Int)
    /// An array announced with more than `limit` elements.
    case arrayTooLong(limit: Int)
    /// Arrays nested deeper than `limit`.
    case nestingTooDeep(limit: Int)
    /// One reply spanning more than `limit` bytes.
    case replyTooLarge(limit: Int)
    /// A bulk string's data not followed by CRLF.
    case missingBulkTerminator
    /// A reply arrived while no command was waiting for one: the stream is out of step.
    case unexpectedReply
}

extension RESPProtocolError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidTypeByte(let byte):
            // RESP3 types are named apart: seeing one means the connection was switched with HELLO 3.
            if Self.resp3TypeBytes.contains(byte) {
                "RESP3 type byte \(Self.render(byte)) on a RESP2 connection"
            } else {
                "invalid type byte \(Self.render(byte))"
            }
        case .invalidLineTerminator: "line not terminated by CRLF"
        case .lineTooLong(let limit): "line longer than the limit of \(limit) bytes"
        case .invalidInteger: "integer reply is not a decimal number"
        case .integerOutOfRange: "integer reply outside the signed 64-bit range"
        case .invalidLength: "length is not canonical decimal digits or -1"
        case .negativeLength: "negative length other than -1"
        case .bulkStringTooLong(let limit): "bulk string longer than the limit of \(limit) bytes"
        case .arrayTooLong(let limit): "array with more than the limit of \(limit) elements"
        case .nestingTooDeep(let limit): "arrays nested deeper than the limit of \(limit)"
        case .replyTooLarge(let limit): "reply larger than the limit of \(limit) bytes"
        case .missingBulkTerminator: "bulk string data not followed by CRLF"
        case .unexpectedReply: "a reply arrived while no command was waiting for one"
        }
    }

    private static let resp3TypeBytes: Set<UInt8> = Set("_#,(!=%~>|".utf8)

    private static func render(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(UnicodeScalar(byte))'" : "0x" + String(byte, radix: 16)
    }
}
