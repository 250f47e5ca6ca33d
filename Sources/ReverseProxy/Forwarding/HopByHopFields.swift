import HTTPEngine

/// The fields that describe one connection rather than the message (RFC 9110 §7.6.1):
/// a proxy must not forward them, nor any field the `Connection` field names.
enum HopByHopFields {
    /// Lower-case names removed from every forwarded message: the ones RFC 9110 §7.6.1 names
    /// (`Proxy-Connection`, `Keep-Alive`, `TE`, `Transfer-Encoding`, `Upgrade`), plus the rest of
    /// RFC 2616's hop-by-hop list: `Trailer` (the engine drops trailers, so announcing them would
    /// be false) and `Proxy-Authenticate`/`-Authorization`, addressed to this proxy, not the backend.
    static let names: [String] = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
        "upgrade", "proxy-authenticate", "proxy-authorization",
    ]

    /// `headers` without hop-by-hop fields, fields named in `Connection`, and those `isExtra`
    /// picks, with room for `extraBytes` more bytes in `extraFields` more fields.
    ///
    /// Compares the received name bytes in one pass and copies the kept fields into one
    /// buffer: no strings, two allocations (removing by name from a copy, then adding,
    /// made about ten per message).
    static func removing(
        from headers: HTTPHeaders,
        reservingBytes extraBytes: Int,
        fields extraFields: Int,
        also isExtra: (HTTPHeaders.FieldName) -> Bool
    ) -> HTTPHeaders {
        let hasConnection = headers.contains(name: "connection")
        return headers.filtered(reservingBytes: extraBytes, fields: extraFields) { name in
            names.contains(where: name.isNamed) || isExtra(name)
                || (hasConnection && headers.listContains(name, inField: "connection"))
        }
    }
}
