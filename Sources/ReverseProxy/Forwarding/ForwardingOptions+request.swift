import HTTPEngine

extension ForwardingOptions {
    /// The fields sent to `backend` for `request`: hop-by-hop fields removed, client
    /// fields (`X-Forwarded-*` / `Forwarded`) appended or set, `Host`, `Via` and the request ID.
    ///
    /// `Content-Length` goes too (the client writes the framing of what it actually sends)
    /// and so does `Expect`: the engine answers `100 Continue` itself when the body is
    /// first read, which happens only once a backend connection is open, and the client
    /// sends the body without waiting for a second `100` from the backend.
    func upstreamHeaders(for request: HTTPRequest, backend: Backend, requestID: HTTPRequestID?) -> HTTPHeaders {
        let isRequestIDReplaced = requestID != nil && requestIDField != nil
        // Room for the fields added below (a client address is at most 45 bytes); more only grows the buffer.
        var headers = HopByHopFields.removing(from: request.headers, reservingBytes: 256, fields: 7) { name in
            if name.isNamed(lowercase: "content-length") || name.isNamed(lowercase: "expect") { return true }
            if !preservesHost, name.isNamed(lowercase: "host") { return true }
            if clientFields != .forwarded,
               name.isNamed(lowercase: "x-forwarded-for") || name.isNamed(lowercase: "x-forwarded-proto") || name.isNamed(lowercase: "x-forwarded-host") {
                return true
            }
            if isRequestIDReplaced, let requestIDField, name.isNamed(requestIDField) { return true }
            return false
        }

        let originalHost = request.headers["host"]
        if !preservesHost { headers.add(name: "Host", value: backend.description) }
        let client = request.remoteAddress
        if clientFields != .forwarded {
            // Earlier proxies' entries stay in order; repeated fields are one list (RFC 9110 §5.3).
            let forwardedFor = request.headers.contains(name: "x-forwarded-for")
                ? (request.headers.values(name: "x-forwarded-for") + [client.host]).joined(separator: ", ")
                : client.host
            headers.add(name: "X-Forwarded-For", value: forwardedFor)
            headers.add(name: "X-Forwarded-Proto", value: scheme)
            if let originalHost { headers.add(name: "X-Forwarded-Host", value: originalHost) }
        }
        if clientFields != .xForwarded {
            headers.add(name: "Forwarded", value: forwardedElement(client: client, host: originalHost))
        }
        if let viaPseudonym { headers.add(name: "Via", value: "\(request.version.major).\(request.version.minor) \(viaPseudonym)") }
        if let requestID, let requestIDField { requestID.withUTF8 { headers.add(name: requestIDField, valueBytes: $0) } }
        return headers
    }

    /// One RFC 7239 element: `for=192.0.2.7;host=example.com;proto=http`, IPv6 nodes
    /// bracketed and quoted (`for="[2001:db8::1]"`), other values quoted when not tokens.
    func forwardedElement(client: SocketAddress, host: String?) -> String {
        let node = client.family == .inet ? client.host : "\"[\(client.host)]\""
        var element = "for=\(node)"
        if let host { element += ";host=\(Self.tokenOrQuoted(host))" }
        element += ";proto=\(scheme)"
        return element
    }

    /// `value` as is when it is a token, else as a quoted string with `"` and `\` escaped.
    static func tokenOrQuoted(_ value: String) -> String {
        if !value.isEmpty, value.utf8.allSatisfy(isTokenCharacter) { return value }
        var quoted = "\""
        for character in value {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}
