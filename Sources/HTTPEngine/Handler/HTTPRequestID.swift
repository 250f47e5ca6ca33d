/// A request's ID: the client's own when it is sane, else 128 random bits written as 32
/// lowercase hex digits. Shared by `RequestContextMiddleware` and the reverse proxy, so a request
/// keeps one ID end to end.
///
/// A generated ID stays two words until it is written: a proxy writes it into the fields it
/// sends upstream and back as bytes (`withUTF8`), and only a log line needs a `String`
/// (`description`). Kept as text, it was a heap allocation per request, since 32 bytes are too
/// many for a small string.
public struct HTTPRequestID: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringLiteral {
    @usableFromInline
    enum Value: Sendable {
        case text(String)
        case random(low: UInt64, high: UInt64)
    }

    @usableFromInline let value: Value

    /// An ID that is `text` as given; `acceptable(_:)` says whether a client's is sane.
    public init(_ text: String) {
        value = .text(text)
    }

    public init(stringLiteral text: String) {
        self.init(text)
    }

    private init(low: UInt64, high: UInt64) {
        value = .random(low: low, high: high)
    }

    /// Whether this ID was drawn at random: its text is then 32 hex digits, valid anywhere a
    /// field value is, whereas `init(_:)` takes any text.
    package var isRandom: Bool {
        if case .random = value { return true }
        return false
    }

    /// The client's ID if it is 1–128 visible ASCII characters; anything else could carry a log
    /// injection or a header split into logs and upstream requests, so it is replaced.
    public static func acceptable(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.utf8.count),
              value.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        return value
    }

    /// The ID for `request`: the client's in `field` when `acceptable`, else `random(on:)` its loop.
    ///
    /// Borrows `request`: an initializer owns its arguments by default, and the copy that made
    /// retained and released every reference in the request, once for each request a proxy sent.
    public init(for request: borrowing HTTPRequest, field: String = "X-Request-ID") {
        if let clients = Self.acceptable(request.headers[field]) {
            self.init(clients)
        } else {
            self = Self.random(on: request.eventLoop)
        }
    }

    /// A new random ID, drawn from `loop`'s own random bytes when called on its thread (a
    /// request's `eventLoop`), else from bytes shared by every thread behind a lock.
    ///
    /// A proxy makes an ID for every request, and the one pool every loop shares was 1 % of its
    /// user time, more when loops met at the lock.
    public static func random(on loop: EventLoop? = nil) -> HTTPRequestID {
        guard let loop, loop.inEventLoop else {
            // Only the 16 bytes are taken under the lock.
            let (low, high) = sharedRandomBytes.withLock { draw(from: &$0) }
            return HTTPRequestID(low: low, high: high)
        }
        let (low, high) = draw(from: &loop.loopOnly.requestIDBytes)
        return HTTPRequestID(low: low, high: high)
    }

    /// The text of a new random ID (`random(on: nil)`).
    public static func generate() -> String {
        random().description
    }

    /// The text of a new random ID (`random(on:)`).
    public static func generate(on loop: EventLoop?) -> String {
        random(on: loop).description
    }

    /// Calls `body` with the ID's bytes: a generated one's 32 digits written on the stack.
    // Inlinable so a caller in another module (the proxy, twice per request) gets it specialised:
    // generic across the module boundary, each call looked up the metadata of the temporary
    // allocation's types at run time (four `swift_getGenericMetadata` calls per proxied request).
    @inlinable
    public func withUTF8<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        switch value {
        case .text(var text):
            return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
        case .random(let low, let high):
            return try withUnsafeTemporaryAllocation(byteCount: 32, alignment: 1) { buffer in
                Self.writeDigits(low: low, high: high, into: buffer)
                return try body(UnsafeRawBufferPointer(buffer))
            }
        }
    }

    /// The ID as text.
    public var description: String {
        switch value {
        case .text(let text):
            return text
        case .random(let low, let high):
            return String(unsafeUninitializedCapacity: 32) { text in
                Self.writeDigits(low: low, high: high, into: UnsafeMutableRawBufferPointer(text))
                return 32
            }
        }
    }

    /// Equal when their text is: a random ID equals the text of its digits.
    public static func == (left: HTTPRequestID, right: HTTPRequestID) -> Bool {
        left.withUTF8 { leftBytes in right.withUTF8 { leftBytes.elementsEqual($0) } }
    }

    /// 16 bytes of `pool` as two words.
    private static func draw(from pool: inout RandomBytePool) -> (UInt64, UInt64) {
        pool.withBytes(count: 16) { random in
            random.withUnsafeBytes { ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
        }
    }

    /// The 32 hex digits of `low` then `high`, least significant byte first, into `buffer`'s
    /// first 32 bytes.
    @usableFromInline
    static func writeDigits(low: UInt64, high: UInt64, into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= 32, "HTTPRequestID: 32 bytes needed for the digits")
        for index in 0..<16 {
            let word = index < 8 ? low : high
            let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
            buffer[2 * index] = hexDigit(byte >> 4)
            buffer[2 * index + 1] = hexDigit(byte & 0xF)
        }
    }

    /// The lowercase hex digit of `value` (0–15).
    @inline(__always) @usableFromInline
    static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") - 10 + value
    }

    private static let sharedRandomBytes = Locked(RandomBytePool())
}
