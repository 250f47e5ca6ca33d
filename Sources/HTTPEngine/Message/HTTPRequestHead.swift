/// The request line and header fields of one parsed request.
public struct HTTPRequestHead: Sendable {
    public var method: HTTPMethod
    public var version: HTTPVersion
    /// Header fields; replacing or editing them leaves the target as it is.
    public var headers: HTTPHeaders
    /// How the request body is delimited.
    public var bodyFraming: HTTPBodyFraming
    /// Bytes holding the request target at `targetRange`. A parsed head shares the buffer of
    /// `headers.storage` (one more reference, no copy), so the target does not depend on
    /// `headers` staying the same: a proxy that swaps the headers keeps a valid target.
    /// (Re-anchoring a range into `headers` on every assignment was the rejected alternative:
    /// a `didSet` cannot see edits made through the headers' own mutating methods.)
    let targetStorage: HeaderBytes
    /// Range of the request target inside `targetStorage`.
    let targetRange: Range<Int>

    /// Creates a head for a request built in code.
    public init(method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = HTTPHeaders()) {
        let targetStorage = HeaderBytes(copying: target.utf8)
        self.method = method
        self.version = version
        self.headers = headers
        self.targetStorage = targetStorage
        self.targetRange = 0..<targetStorage.count
        self.bodyFraming = .none
    }

    /// A parsed head: `targetRange` points into `headers.storage`, which holds the request line.
    init(method: HTTPMethod, version: HTTPVersion, headers: HTTPHeaders, targetRange: Range<Int>, bodyFraming: HTTPBodyFraming) {
        self.method = method
        self.version = version
        self.headers = headers
        self.targetStorage = headers.storage
        self.targetRange = targetRange
        self.bodyFraming = bodyFraming
    }

    /// The request target as raw bytes (origin form `/path?query` in the usual case); a copy.
    public var targetBytes: ArraySlice<UInt8> { targetStorage[targetRange] }

    /// Calls `body` with the request target's bytes where they are.
    func withTargetBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        targetStorage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[targetRange])) }
    }

    /// The request target as sent, e.g. `/items?id=3`.
    public var target: String { withTargetBytes { String(decoding: $0, as: UTF8.self) } }

    /// The target up to (not including) the first `?`.
    public var path: String {
        withTargetBytes { bytes in
            let end = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
        }
    }

    /// The text after the first `?`, or nil when there is none.
    public var query: String? {
        withTargetBytes { bytes in
            guard let mark = bytes.firstIndex(of: UInt8(ascii: "?")) else { return nil }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(mark + 1)...]), as: UTF8.self)
        }
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
