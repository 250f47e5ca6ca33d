/// An HTTP request method such as `GET`; compared by exact, case-sensitive name.
public struct HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    /// The method token as sent on the wire.
    public let rawValue: String

    /// Creates a method from its token, e.g. `"PURGE"`.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    // Lengths first: a proxy asks each request whether it is `HEAD` or `CONNECT`, and a `GET`
    // differs from both in length. Two strings of different contents went through the
    // standard library's out-of-line comparison, one call per question.
    @inlinable
    public static func == (left: HTTPMethod, right: HTTPMethod) -> Bool {
        left.rawValue.utf8.count == right.rawValue.utf8.count && left.rawValue == right.rawValue
    }

    public static let get = HTTPMethod("GET")
    public static let head = HTTPMethod("HEAD")
    public static let post = HTTPMethod("POST")
    public static let put = HTTPMethod("PUT")
    public static let delete = HTTPMethod("DELETE")
    public static let patch = HTTPMethod("PATCH")
    public static let options = HTTPMethod("OPTIONS")
    public static let connect = HTTPMethod("CONNECT")
    public static let trace = HTTPMethod("TRACE")

    /// Whether sending the request twice has the effect of sending it once (RFC 9110 §9.2.2):
    /// `GET`, `HEAD`, `OPTIONS`, `PUT`, `DELETE` and `TRACE`.
    // Compared, not looked up in a `Set`: hashing the name per request cost more than the
    // comparisons (short names are compared as two words).
    public var isIdempotent: Bool {
        switch rawValue {
        case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE": true
        default: false
        }
    }

    /// Maps method bytes to a value, reusing the common constants so parsing a
    /// `GET` allocates nothing (short Swift strings are stored inline anyway).
    static func parse(_ bytes: UnsafeRawBufferPointer) -> HTTPMethod {
        switch bytes.count {
        case 3 where bytes[0] == 0x47 && bytes[1] == 0x45 && bytes[2] == 0x54: return .get
        case 3 where bytes[0] == 0x50 && bytes[1] == 0x55 && bytes[2] == 0x54: return .put
        case 4 where bytes[0] == 0x48 && bytes[1] == 0x45 && bytes[2] == 0x41 && bytes[3] == 0x44: return .head
        case 4 where bytes[0] == 0x50 && bytes[1] == 0x4F && bytes[2] == 0x53 && bytes[3] == 0x54: return .post
        default: return HTTPMethod(String(decoding: bytes, as: UTF8.self))
        }
    }
}
