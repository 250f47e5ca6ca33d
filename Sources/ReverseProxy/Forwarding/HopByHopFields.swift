import HTTPEngine

/// The fields that describe one connection rather than the message (RFC 9110 §7.6.1):
/// a proxy must not forward them, nor any field the `Connection` field names.
enum HopByHopFields {
    /// Whether `name` is removed from every forwarded message: the names RFC 9110 §7.6.1 gives
    /// (`Connection`, `Proxy-Connection`, `Keep-Alive`, `TE`, `Transfer-Encoding`, `Upgrade`),
    /// plus the rest of RFC 2616's hop-by-hop list: `Trailer` (the engine drops trailers, so
    /// announcing them would be false) and `Proxy-Authenticate`/`-Authorization`, addressed to
    /// this proxy, not the backend.
    ///
    /// A switch on the length, then literals: most fields' lengths match none of the nine
    /// names. (A `[String]` searched per field cost a retain and a release per name compared,
    /// 2 % of the proxy's user CPU.)
    static func isHopByHop(_ name: HTTPHeaders.FieldName) -> Bool {
        switch name.count {
        case 2: name.isNamed(lowercase: "te")
        case 7: name.isNamed(lowercase: "trailer") || name.isNamed(lowercase: "upgrade")
        case 10: name.isNamed(lowercase: "connection") || name.isNamed(lowercase: "keep-alive")
        case 16: name.isNamed(lowercase: "proxy-connection")
        case 17: name.isNamed(lowercase: "transfer-encoding")
        case 18: name.isNamed(lowercase: "proxy-authenticate")
        case 19: name.isNamed(lowercase: "proxy-authorization")
        default: false
        }
    }

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
        let namesOtherFields = namesOtherFields(headers)
        return headers.filtered(reservingBytes: extraBytes, fields: extraFields) { name in
            isHopByHop(name) || isExtra(name)
                || (namesOtherFields && headers.listContains(name, inField: "connection"))
        }
    }

    /// Removes from `headers` what `removing(from:reservingBytes:fields:also:)` leaves out, in
    /// place: for a response head the proxy owns and passes on, whose parser left room for the
    /// fields added next (`HTTPClientConfiguration.responseHeaderRoom`).
    static func remove(from headers: inout HTTPHeaders, also isExtra: (HTTPHeaders.FieldName) -> Bool) {
        // Looking a name up in `Connection` reads the list while the fields are being removed, so
        // that rare case works on a copy.
        if namesOtherFields(headers) {
            headers = removing(from: headers, reservingBytes: 512, fields: 8, also: isExtra)
            return
        }
        headers.removeAll { name in isHopByHop(name) || isExtra(name) }
    }

    /// Whether `Connection` names a field other than the hop-by-hop ones.
    private static func namesOtherFields(_ headers: HTTPHeaders) -> Bool {
        // Almost every `Connection` names only `keep-alive` or `close`: then no field needs looking
        // up in it (which scanned every field's name again, for each field).
        headers.containsListElement(inField: "connection") { option in
            !isHopByHop(option) && !option.isNamed(lowercase: "close")
        }
    }
}
