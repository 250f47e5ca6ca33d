/// The request line and header fields of one parsed request.
public struct HTTPRequestHead: Sendable {
    public var method: HTTPMethod
    public var version: HTTPVersion
    /// Header fields; the storage also holds the request line that `target` points into.
    public var headers: HTTPHeaders
    /// How the request body is delimited.
    public var bodyFraming: HTTPBodyFraming
    /// Range of the request target inside `headers.storage`.
    let targetRange: Range<Int>

    /// Creates a head for a request built in code (the target is stored with the headers).
    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders()) {
        var headers = headers
        let start = headers.storage.count
        headers.storage.append(contentsOf: target.utf8)
        self.method = method
        self.version = version
        self.headers = headers
        self.targetRange = start..<headers.storage.count
        self.bodyFraming = .none
    }

    init(method: HTTPMethod, version: HTTPVersion, headers: HTTPHeaders, targetRange: Range<Int>, bodyFraming: HTTPBodyFraming) {
        self.method = method
        self.version = version
        self.headers = headers
        self.targetRange = targetRange
        self.bodyFraming = bodyFraming
    }

    /// The request target as raw bytes (origin form `/path?query` in the usual case).
    public var targetBytes: ArraySlice<UInt8> { headers.storage[targetRange] }

    /// The request target as sent, e.g. `/items?id=3`.
    public var target: String { String(decoding: targetBytes, as: UTF8.self) }

    /// The target up to (not including) the first `?`.
    public var path: String {
        let bytes = targetBytes
        let end = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// The text after the first `?`, or nil when there is none.
    public var query: String? {
        let bytes = targetBytes
        guard let mark = bytes.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return String(decoding: bytes[(mark + 1)...], as: UTF8.self)
    }

    /// Whether the client asked to keep the connection open after this request
    /// (1.1 unless `Connection: close`; 1.0 only with `Connection: keep-alive`).
    public var isKeepAlive: Bool {
        if version == .http1_1 { return !headers.containsToken("close", inField: "connection") }
        return headers.containsToken("keep-alive", inField: "connection")
            && !headers.containsToken("close", inField: "connection")
    }

    /// Whether the client sent `Expect: 100-continue` and waits before sending the body.
    public var isExpectingContinue: Bool {
        version == .http1_1 && headers.containsToken("100-continue", inField: "expect")
    }
}
