/// One RESP2 value, as a Redis server sends it in a reply.
///
/// Bulk strings are bytes, not `String`: Redis values are binary and a `String` would repair
/// invalid UTF-8 on the way in, so what came back would not be what was stored.
/// The two RESP2 nulls (`$-1` and `*-1`) stay distinct, as the protocol specification asks:
/// a null array is how `BLPOP` says "timed out", which differs from an empty list.
public enum RESPValue: Sendable, Hashable {
    /// `+OK`: a short status line; never contains CR or LF.
    case simpleString(String)
    /// `-ERR message`: the server refused the command; the text starts with an error prefix.
    case error(String)
    /// `:42`: a signed 64-bit integer.
    case integer(Int64)
    /// `$5 hello`: binary-safe bytes; nil for the null bulk string `$-1`.
    case bulkString([UInt8]?)
    /// `*2 ...`: nested values; nil for the null array `*-1`.
    case array([RESPValue]?)

    /// The null bulk string, the reply of `GET` for a missing key.
    public static let null = RESPValue.bulkString(nil)

    /// A bulk string holding the UTF-8 bytes of `text`.
    public static func bulk(_ text: String) -> RESPValue {
        .bulkString(Array(text.utf8))
    }

    /// Whether this is either RESP2 null (`$-1` or `*-1`).
    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): true
        default: false
        }
    }

    /// The bytes of a bulk string; nil for every other kind and for the null bulk string.
    public var bytes: [UInt8]? {
        if case .bulkString(let bytes?) = self { return bytes }
        return nil
    }

    /// The elements of an array; nil for every other kind and for the null array.
    public var elements: [RESPValue]? {
        if case .array(let elements?) = self { return elements }
        return nil
    }
}

extension RESPValue: CustomStringConvertible {
    /// A short, single-line rendering for test failures and logs; bulk strings are quoted and escaped.
    public var description: String {
        switch self {
        case .simpleString(let text): "+\(text)"
        case .error(let text): "-\(text)"
        case .integer(let value): ":\(value)"
        case .bulkString(nil): "$nil"
        case .bulkString(let bytes?): Self.quoted(bytes)
        case .array(nil): "*nil"
        case .array(let elements?): "[" + elements.map(\.description).joined(separator: ", ") + "]"
        }
    }

    // Escaping keeps a reply with CR, LF or binary bytes on one line of a test log.
    private static func quoted(_ bytes: [UInt8]) -> String {
        var text = "\""
        for byte in bytes.prefix(256) {
            switch byte {
            case UInt8(ascii: "\r"): text += "\\r"
            case UInt8(ascii: "\n"): text += "\\n"
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): text += "\\" + String(UnicodeScalar(byte))
            case 0x20..<0x7F: text.unicodeScalars.append(UnicodeScalar(byte))
            default: text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return text + (bytes.count > 256 ? "\"…(\(bytes.count) bytes)" : "\"")
    }
}
