import HTTPEngine

extension ForwardingOptions {
    /// The fields sent back to the client: hop-by-hop fields and the backend's framing
    /// removed (the engine frames what it actually sends), `Via` appended, the request ID
    /// echoed unless the backend set its own.
    func downstreamHeaders(from head: HTTPResponseHead, requestID: String?) -> HTTPHeaders {
        // Room for `Via` and the request ID, and for what an outer layer adds (a rate limiter's
        // five fields); reserving is cheap, growing the buffers later costs two allocations.
        var headers = HopByHopFields.removing(from: head.headers, reservingBytes: 512, fields: 8) { $0.isNamed(lowercase: "content-length") }
        if let viaPseudonym { headers.add(name: "Via", value: "\(head.version.major).\(head.version.minor) \(viaPseudonym)") }
        if let requestID, let requestIDField, !headers.contains(name: requestIDField) {
            headers.add(name: requestIDField, value: requestID)
        }
        return headers
    }
}
