/// The path of a request target in one spelling per resource, for keys that include the path.
///
/// A client that has spent `/api`'s budget must not get a fresh one by spelling the path
/// differently, so the path goes through RFC 3986's syntax-based normalization (§6.2.2) and
/// two reductions common servers apply before it becomes part of a key:
///
/// - An absolute-form target (`http://host/api`, RFC 9112 §3.2.2, what a proxy is sent) is
///   reduced to its path, `/` when that is empty. The query is dropped: one bucket per endpoint,
///   not one per `?page=`. `*` (asterisk form, `OPTIONS *`) names the server and is kept as `*`.
/// - Escapes of unreserved characters are decoded (`%61` is `a`, `%2E` is `.`), other escapes get
///   upper-case hex digits, and bytes a path may not hold raw (`"`, `{`) are escaped. `%2F` stays
///   an escape: it is data inside a segment, not a separator.
/// - `.` and `..` segments are removed (§5.2.4) after decoding, so `/%2E%2E/api` is `/api`; `..`
///   never climbs above the root.
/// - Repeated slashes are merged and a trailing slash is dropped: `//api` and `/api/` are `/api`.
///
/// The last rule goes beyond the RFC, for which those are different paths. nginx merges slashes
/// by default (`merge_slashes on`) and many frameworks route `/api/` to the handler of `/api`;
/// behind such an upstream, separate keys would hand out a fresh budget for the asking. Merging
/// errs the safe way: at worst two resources that really differ share one client's budget (a
/// stricter limit, never a looser one). Case is kept (paths are case-sensitive, §6.2.2.1), as are
/// `;parameters`; an upstream that ignores case or `;jsessionid=`, or reads `%2F` or `\` as `/`,
/// needs a `custom` extractor that maps paths to its own routes.
///
/// Refused with 400: a `%` that starts no escape, a fragment, a target that is neither a path nor
/// an absolute URI, and `..` right after an empty segment (`/a//../b`), where merging slashes
/// before or after removing dot segments gives different paths (`/b` to nginx, `/a/b` to a server
/// that does not merge): either answer is a bypass against the other kind of upstream.
public struct NormalizedPath: Hashable, Sendable, CustomStringConvertible {
    /// The path in its normal spelling, e.g. `/api/items`.
    public let value: String

    /// What errors call the path.
    static let field = "the request path"

    /// The normalized path of request target `target`.
    ///
    /// Throws when the path is longer than `maximumBytes` as sent (checked before any decoding,
    /// so the work per request is bounded) or once normalized (escaping can triple a byte), or
    /// when it is unusable (see the type's comment).
    public init(requestTarget target: some Collection<UInt8>, maximumBytes: Int = 256) throws(RateLimitKeyError) {
        let path = try Self.path(ofTarget: target)
        guard path.count <= maximumBytes else { throw .tooLong(field: Self.field, maximumBytes: maximumBytes) }
        let normalized = path.elementsEqual("*".utf8) ? "*" : try Self.normalized(path)
        value = try KeyMaterial.validated(normalized.utf8, field: Self.field, maximumBytes: maximumBytes)
    }

    public var description: String { value }

    /// The path of an origin-form, absolute-form or asterisk-form target, without its query.
    static func path(ofTarget target: some Collection<UInt8>) throws(RateLimitKeyError) -> ArraySlice<UInt8> {
        let beforeQuery = ArraySlice(target.prefix { $0 != UInt8(ascii: "?") })
        guard !beforeQuery.contains(UInt8(ascii: "#")) else {
            // A fragment is never sent (RFC 9112 §3.2); whether an upstream cuts it off or
            // serves `/api#x` as a path of its own would be a guess.
            throw .malformedPath(reason: "contains a fragment (#)")
        }
        if beforeQuery.first == UInt8(ascii: "/") || beforeQuery.elementsEqual("*".utf8) { return beforeQuery }
        guard let authorityStart = authorityStart(ofAbsoluteURI: beforeQuery) else {
            throw .malformedPath(reason: "is neither an absolute path nor an absolute URI")
        }
        let path = beforeQuery[authorityStart...].drop { $0 != UInt8(ascii: "/") }
        // `http://host` asks for the root (RFC 9110 §4.2.3: an empty path is equivalent to "/").
        return path.isEmpty ? ArraySlice("/".utf8) : path
    }

    /// Where the authority starts after `scheme://`; nil when `text` does not begin that way.
    private static func authorityStart(ofAbsoluteURI text: ArraySlice<UInt8>) -> Int? {
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )  (RFC 3986 §3.1)
        guard let colon = text.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let scheme = text[text.startIndex..<colon]
        guard let first = scheme.first, isLetter(first),
            scheme.allSatisfy({ isLetter($0) || isDigit($0) || "+-.".utf8.contains($0) })
        else { return nil }
        // An http(s) URI always has an authority; `http:/api` has none and is refused.
        guard text[(colon + 1)...].starts(with: "//".utf8) else { return nil }
        return colon + 3
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
