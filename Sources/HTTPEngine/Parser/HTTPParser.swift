import Glibc

/// An incremental HTTP/1.x message parser for requests (server) or responses (client).
///
/// Feed it the unconsumed bytes; it returns at most one event plus how many bytes
/// it consumed. Bytes it did not consume must be passed again, followed by newly
/// received ones. It never allocates for body bytes: a `.body` event is a range
/// of the buffer that was passed in.
public struct HTTPParser: Sendable {
    /// Which kind of message the parser expects.
    public enum Mode: Sendable {
        case request
        case response
    }

    /// What the parser found.
    public enum Event: Sendable {
        case requestHead(HTTPRequestHead)
        case responseHead(HTTPResponseHead)
        /// Body bytes: a range of the buffer passed to `parse`.
        case body(Range<Int>)
        case messageEnd
    }

    enum State: Sendable {
        /// Looking for the end of a head; `scanned` bytes were already checked.
        case head(scanned: Int, sawLineEnd: Bool)
        case fixedBody(remaining: Int)
        case chunkLine
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(scanned: Int)
        case untilClose
        case endPending
    }

    public let mode: Mode
    public var limits: HTTPParserLimits
    /// Response mode: whether the response being parsed answers a `HEAD` request
    /// (then it has no body whatever its headers say). Set before each response.
    public var isResponseToHeadRequest = false
    /// Room left in each parsed head's buffer for fields added to it later, e.g. by a proxy
    /// passing the head on; adding within it copies nothing. None by default.
    public var headerRoom = HeaderRoom()
    var state: State = .head(scanned: 0, sawLineEnd: false)
    /// Chunk-extension bytes seen in the current message, against `limits.maxChunkExtensionBytes`.
    var chunkExtensionBytes = 0
    /// Framing bytes consumed in the current message body: chunk lines, the CRLF after each
    /// chunk's data, trailers. Zero for a `Content-Length` body.
    public internal(set) var bodyFramingBytes = 0

    /// Spare capacity in a parsed head's buffer: `fields` more table entries and `bytes` more
    /// bytes of names and values (a field takes its name and value plus 4 bytes).
    public struct HeaderRoom: Sendable, Equatable {
        public let fields: Int
        public let bytes: Int

        public init(fields: Int = 0, bytes: Int = 0) {
            precondition(fields >= 0 && bytes >= 0, "header room cannot be negative")
            self.fields = fields
            self.bytes = bytes
        }
    }

    public init(mode: Mode, limits: HTTPParserLimits = HTTPParserLimits()) {
        self.mode = mode
        self.limits = limits
    }

    /// Whether the parser sits between messages with nothing of the next one seen yet.
    public var isAtMessageBoundary: Bool {
        if case .head(scanned: 0, _) = state { return true }
        return false
    }

    /// Whether the parser is inside a message body.
    public var isReadingBody: Bool {
        switch state {
        case .head, .endPending: false
        default: true
        }
    }

    /// Parses from the start of `bytes`. Returns `(nil, 0)` when more input is needed;
    /// `(nil, n)` with n > 0 means framing bytes were consumed and the caller should call again.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> (event: Event?, consumed: Int) {
        switch state {
        case .head(let scanned, let sawLineEnd):
            return try parseHead(bytes, scanned: scanned, sawLineEnd: sawLineEnd)
        case .fixedBody(let remaining):
            guard !bytes.isEmpty else { return (nil, 0) }
            let count = min(bytes.count, remaining)
            state = remaining == count ? .endPending : .fixedBody(remaining: remaining - count)
            return (.body(0..<count), count)
        case .chunkLine:
            return try parseChunkLine(bytes)
        case .chunkData(let remaining):
            guard !bytes.isEmpty else { return (nil, 0) }
            let count = min(bytes.count, remaining)
            state = remaining == count ? .chunkDataEnd : .chunkData(remaining: remaining - count)
            return (.body(0..<count), count)
        case .chunkDataEnd:
            return try parseChunkDataEnd(bytes)
        case .trailers(let scanned):
            return try parseTrailers(bytes, scanned: scanned)
        case .untilClose:
            guard !bytes.isEmpty else { return (nil, 0) }
            return (.body(0..<bytes.count), bytes.count)
        case .endPending:
            startNextMessage()
            return (.messageEnd, 0)
        }
    }

    /// Tells the parser the peer closed; ends an until-close body, and throws
    /// `truncatedMessage` when a message was cut short.
    public mutating func finish() throws(HTTPParseError) -> Event? {
        switch state {
        case .untilClose, .endPending:
            startNextMessage()
            return .messageEnd
        case .head(scanned: 0, _):
            return nil
        default:
            throw .truncatedMessage
        }
    }

    /// Resets the per-message state once a message has ended.
    mutating func startNextMessage() {
        state = .head(scanned: 0, sawLineEnd: false)
        chunkExtensionBytes = 0
        bodyFramingBytes = 0
    }

    /// Finds the next LF at or after `start`, insisting every LF is preceded by CR.
    static func lineFeed(in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) throws(HTTPParseError) -> Int? {
        guard let index = position(of: ASCII.lineFeed, in: bytes, from: start, to: end) else { return nil }
        guard index > 0, bytes[index - 1] == ASCII.carriageReturn else { throw .bareLineFeed }
        return index
    }

    /// The first index of `byte` in `start..<end`, or nil.
    ///
    /// `memchr`, glibc's vectorised search, rather than a loop over the bytes: a head is searched
    /// for line ends three times (its end, the count of its lines, each field), and with the byte
    /// loop heads took 11 % of stage 5's user time, with `memchr` 9 %.
    @inline(__always)
    static func position(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int? {
        guard start < end, let base = bytes.baseAddress else { return nil }
        precondition(start >= 0 && end <= bytes.count, "search range outside the buffer")
        guard let found = memchr(base + start, Int32(byte), end - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}
