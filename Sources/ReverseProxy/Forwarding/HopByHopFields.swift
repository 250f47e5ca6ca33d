import HTTPEngine

/// The fields that describe one connection rather than the message (RFC 9110 §7.6.1):
/// a proxy must not forward them, nor any field the `Connection` field names.
enum HopByHopFields {
    /// Lower-case names removed from every forwarded message: the ones RFC 9110 §7.6.1 names
    /// (`Proxy-Connection`, `Keep-Alive`, `TE`, `Transfer-Encoding`, `Upgrade`), plus the rest of
    /// RFC 2616's hop-by-hop list: `Trailer` (the engine drops trailers, so announcing them would
    /// be false) and `Proxy-Authenticate`/`-Authorization`, addressed to this proxy, not the backend.
    static let names: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade", "proxy-authenticate", "proxy-authorization",
    ]

    /// `headers` without hop-by-hop fields, fields named in `Connection`, and `extra` (lower-case names).
    ///
    /// Removes by name from a copy instead of rebuilding the list field by field: removal compares
    /// bytes without making strings and the copy shares the received bytes, where rebuilding
    /// made two strings and a lower-cased copy for every field.
    static func removing(from headers: HTTPHeaders, also extra: Set<String>) -> HTTPHeaders {
        var kept = headers
        if headers.contains(name: "connection") {
            for value in headers.values(name: "connection") {
                for token in value.split(separator: ",") { kept.remove(name: String(token.trimmingWhitespace())) }
            }
        }
        for name in names { kept.remove(name: name) }
        for name in extra { kept.remove(name: name) }
        return kept
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (optional whitespace in field values).
    func trimmingWhitespace() -> Substring {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isWhitespace($0) }) else { return "" }
        let end = lastIndex(where: { !isWhitespace($0) })!
        return self[start...end]
    }
}
