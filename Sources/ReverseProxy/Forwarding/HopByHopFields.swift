import HTTPEngine

/// The fields that describe one connection rather than the message (RFC 9110 §7.6.1):
/// a proxy must not forward them, nor any field the `Connection` field names.
enum HopByHopFields {
    /// Lower-case names removed from every forwarded message. `Proxy-Connection` and
    /// `Keep-Alive` are not in RFC 9110's list but are connection-specific in practice
    /// (RFC 9112 §9.3 and Appendix C.2.2), as nginx and HAProxy treat them.
    static let names: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade", "proxy-authenticate", "proxy-authorization",
    ]

    /// `headers` without hop-by-hop fields, fields named in `Connection`, and `extra` (lower-case names).
    static func removing(from headers: HTTPHeaders, also extra: Set<String>) -> HTTPHeaders {
        var dropped = names.union(extra)
        for value in headers.values(name: "connection") {
            for token in value.split(separator: ",") {
                dropped.insert(token.trimmingWhitespace().lowercased())
            }
        }
        var kept = HTTPHeaders()
        for (name, value) in headers where !dropped.contains(name.lowercased()) {
            kept.add(name: name, value: value)
        }
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
