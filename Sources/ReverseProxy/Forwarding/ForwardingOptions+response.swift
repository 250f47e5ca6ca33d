import HTTPEngine

extension ForwardingOptions {
    /// Makes `head`'s fields those sent back to the client: hop-by-hop fields and the backend's
    /// framing removed (the engine frames what it actually sends), `Via` appended, the request
    /// ID echoed unless the backend set its own.
    ///
    /// In place: the response's head is the proxy's alone, and its parser left room for these
    /// fields and an outer layer's (a rate limiter's five). A filtered copy, the rejected
    /// alternative, cost an allocation and a copy of every kept field per response.
    func rewriteDownstream(_ head: inout HTTPResponseHead, requestID: HTTPRequestID?) {
        HopByHopFields.remove(from: &head.headers) { $0.isNamed(lowercase: "content-length") }
        if let viaPseudonym { head.headers.add(name: "Via", value: "\(head.version.major).\(head.version.minor) \(viaPseudonym)") }
        if let requestID, let requestIDField, !head.headers.contains(name: requestIDField) {
            requestID.withUTF8 { text in
                // A drawn ID is hex digits and the field's name was checked when configured; any
                // other ID text is checked when sent, as every field from outside is.
                if requestID.isRandom {
                    head.headers.add(checkedName: requestIDField, checkedValueBytes: text)
                } else {
                    head.headers.add(name: requestIDField, valueBytes: text)
                }
            }
        }
    }
}
