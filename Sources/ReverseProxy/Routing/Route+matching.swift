/// The rule that says which requests a route holds.
///
/// Public, and in one place, so that whatever charges a route for its requests (stage 5's
/// route policies) holds exactly the requests the proxy sends along that route. A limiter
/// with a rule of its own, the rejected alternative, drifted: it matched by byte prefix and
/// ignored the host while the proxy matched whole segments of one host's paths.
extension Route {
    /// Whether a route for `pathPrefix` holds `path`, by whole segments: `/api` holds `/api`
    /// and `/api/users`, not `/apis`; a prefix ending in `/` holds every path that starts with it.
    public static func pathPrefix(_ pathPrefix: String, holds path: String) -> Bool {
        // Bytes: `hasPrefix` compares by canonical equivalence, which a path does not need.
        guard path.utf8.starts(with: pathPrefix.utf8) else { return false }
        if pathPrefix.utf8.last == UInt8(ascii: "/") || path.utf8.count == pathPrefix.utf8.count { return true }
        return path.utf8.dropFirst(pathPrefix.utf8.count).first == UInt8(ascii: "/")
    }

    /// Whether a route for `host` (nil: every host) holds a request for `hostName`, the host
    /// part of its `Host` field (`hostName(ofHostField:)`; nil when the field is absent).
    public static func host(_ host: String?, holds hostName: Substring?) -> Bool {
        guard let host else { return true }
        guard let hostName else { return false }
        return hostName.caseInsensitiveEquals(host)
    }

    /// The host part of a `Host` value: `example.com:8080` → `example.com`, `[::1]:80` → `[::1]`.
    public static func hostName(ofHostField field: String) -> Substring {
        // Bytes, not characters: `Character` search validated and compared grapheme clusters,
        // 3 % of the proxy's user CPU. (`firstIndex` rather than `split`, which built an array.)
        let bytes = field.utf8
        if bytes.first == UInt8(ascii: "["), let close = bytes.firstIndex(of: UInt8(ascii: "]")) { return field[...close] }
        return bytes.firstIndex(of: UInt8(ascii: ":")).map { field[..<$0] } ?? field[...]
    }

    /// Whether a route for `pathPrefix` and `host` is tried before one for `otherPrefix` and
    /// `otherHost`: the longer prefix first, and at equal length a route for one host before a
    /// route for every host. Sorting by it makes the first match the most specific.
    public static func isTried(pathPrefix: String, host: String?, before otherPrefix: String, host otherHost: String?) -> Bool {
        if pathPrefix.utf8.count != otherPrefix.utf8.count { return pathPrefix.utf8.count > otherPrefix.utf8.count }
        return host != nil && otherHost == nil
    }

    /// Whether a route for `pathPrefix` and `host` holds a request for `path` whose `Host` names
    /// `hostName` (nil without the field): both rules above.
    public static func holds(pathPrefix: String, host: String?, path: String, hostName: Substring?) -> Bool {
        Self.host(host, holds: hostName) && Self.pathPrefix(pathPrefix, holds: path)
    }

    /// Whether this route holds a request for `path` whose `Host` names `hostName`.
    func holds(path: String, hostName: Substring?) -> Bool {
        Self.holds(pathPrefix: pathPrefix, host: host, path: path, hostName: hostName)
    }
}

extension StringProtocol {
    /// ASCII case-insensitive equality, for host names and field names.
    func caseInsensitiveEquals(_ other: some StringProtocol) -> Bool {
        utf8.elementsEqual(other.utf8) { left, right in Self.lowered(left) == Self.lowered(right) }
    }

    static func lowered(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}
