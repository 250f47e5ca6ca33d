/// An incremental, bounded decoder of RESP2 replies.
///
/// Feed it bytes as they arrive, split anywhere; `next()` hands out each complete top-level reply
/// in order, so pipelined replies come out one by one. Arrays that are still arriving are kept as
/// a stack of open arrays holding the elements decoded so far: every byte is parsed once however
/// the input is split (re-parsing a reply from its start on every read would cost quadratic time
/// for a large array arriving in small reads). Every length is checked against `limits` before
/// anything is allocated for it, and bytes already decoded are released as decoding goes on.
public struct RESPDecoder: Sendable {
    /// One array whose header has arrived but not all of its elements.
    struct OpenArray: Sendable {
        var remaining: Int
        var elements: [RESPValue]
    }

    /// The bounds enforced on every reply.
    public let limits: RESPDecoderLimits
    /// Received bytes; those before `readIndex` are decoded and wait to be released.
    var buffer: [UInt8] = []
    var readIndex = 0
    /// Bytes of the current line after its type byte already scanned without finding its end,
    /// so a long line arriving byte by byte is scanned once, not once per byte.
    var lineScanned = 0
    /// Enclosing arrays of the value being decoded, innermost last.
    var openArrays: [OpenArray] = []
    /// The length of a bulk string whose header was decoded and whose data has not fully arrived.
    var pendingBulkLength: Int?
    /// Wire bytes of the current top-level reply so far, against `limits.maxReplyBytes`.
    var replyByteCount = 0
    /// The first error; the stream is out of step after it, so it is thrown again on every call.
    var failure: RESPProtocolError?

    /// Buffer capacity kept once everything is decoded; a buffer grown for a large reply is freed.
    static let retainedCapacity = 64 * 1024
    /// Decoded bytes tolerated at the front of the buffer before they are moved out.
    static let compactionThreshold = 4 * 1024

    public init(limits: RESPDecoderLimits = RESPDecoderLimits()) {
        self.limits = limits
    }

    /// Bytes received and not yet decoded.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Whether the decoder sits between replies with nothing of the next one received; a
    /// connection that ends anywhere else ended in the middle of a reply.
    public var isAtReplyBoundary: Bool {
        openArrays.isEmpty && pendingBulkLength == nil && bufferedByteCount == 0
    }

    /// Appends bytes received from the server; they are decoded by `next()`.
    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        releaseConsumedBytes()
        buffer.append(contentsOf: bytes)
    }

    /// The next complete top-level reply, or nil when more bytes are needed.
    public mutating func next() throws(RESPProtocolError) -> RESPValue? {
        if let failure { throw failure }
        do throws(RESPProtocolError) {
            let value = try decodeNext()
            releaseConsumedBytes()
            return value
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func decodeNext() throws(RESPProtocolError) -> RESPValue? {
        while true {
            let value: RESPValue
            if let length = pendingBulkLength {
                guard let data = try takeBulkData(length: length) else { return nil }
                pendingBulkLength = nil
                value = .bulkString(data)
            } else {
                switch try decodeHeader() {
                case .needsMoreBytes: return nil
                case .opened: continue
                case .value(let decoded): value = decoded
                }
            }
            if let reply = close(value) { return reply }
        }
    }

    /// Adds a finished value to the innermost open array, closing every array it completes;
    /// returns the top-level reply once there is no open array left.
    private mutating func close(_ value: RESPValue) -> RESPValue? {
        var value = value
        while !openArrays.isEmpty {
            let innermost = openArrays.count - 1
            openArrays[innermost].elements.append(value)
            openArrays[innermost].remaining -= 1
            guard openArrays[innermost].remaining == 0 else { return nil }
            value = .array(openArrays.removeLast().elements)
        }
        replyByteCount = 0
        return value
    }

    /// Moves decoded bytes out of the buffer, in amortised constant time per byte: the front is
    /// dropped only when it is at least as large as what remains behind it.
    mutating func releaseConsumedBytes() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            if buffer.capacity > Self.retainedCapacity {
                buffer = []
            } else {
                buffer.removeAll(keepingCapacity: true)
            }
            readIndex = 0
        } else if readIndex >= Self.compactionThreshold, readIndex >= buffer.count - readIndex {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
