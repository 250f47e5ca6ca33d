/// Serialises final response heads (with a `Date` field) and chunk framing into an output byte buffer.
enum ResponseEncoder {
    /// Fields the server writes itself; a handler's copies are dropped.
    private static let managedFields: [[UInt8]] = ["content-length", "transfer-encoding", "connection"].map { Array($0.utf8) }

    static func appendHead(
        status: HTTPStatus,
        headers: HTTPHeaders,
        framing: HTTPBodyFraming,
        connection: ConnectionHeader,
        date: HTTPDateCache,
        to output: inout [UInt8]
    ) {
        append("HTTP/1.1 ", to: &output)
        appendDecimal(status.code, to: &output)
        output.append(ASCII.space)
        appendReasonPhrase(status.reasonPhrase, to: &output)
        output.append(ASCII.carriageReturn)
        output.append(ASCII.lineFeed)
        // `Date` is a singleton field: a handler's own value replaces ours rather than joining it.
        if headers.firstIndex(named: "date") == nil { date.appendField(to: &output) }
        headers.appendFields(to: &output, excluding: managedFields)
        switch framing {
        case .length(let count):
            append("Content-Length: ", to: &output)
            appendDecimal(count, to: &output)
            output.append(ASCII.carriageReturn)
            output.append(ASCII.lineFeed)
        case .chunked:
            append("Transfer-Encoding: chunked\r\n", to: &output)
        case .none, .untilClose:
            break
        }
        switch connection {
        case .close: append("Connection: close\r\n", to: &output)
        case .keepAlive: append("Connection: keep-alive\r\n", to: &output)
        case .omitted: break
        }
        output.append(ASCII.carriageReturn)
        output.append(ASCII.lineFeed)
    }

    /// What the `Connection` field says, if anything.
    enum ConnectionHeader {
        case close
        case keepAlive
        case omitted
    }

    /// Queues `bytes` as one chunk of chunked framing; the data is split over the buffer's
    /// chunks like any large append (request bodies use it too).
    static func appendChunk(_ bytes: ArraySlice<UInt8>, to output: inout OutboundBuffer) {
        output.append { line in
            appendHexadecimal(bytes.count, to: &line)
            line.append(contentsOf: [ASCII.carriageReturn, ASCII.lineFeed])
        }
        output.append(contentsOf: bytes)
        output.append { $0.append(contentsOf: [ASCII.carriageReturn, ASCII.lineFeed]) }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
    static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Appends `text`'s bytes in one copy (a literal's `utf8` view went through the generic
    /// sequence copy, byte by byte).
    @inline(__always)
    static func append(_ text: StaticString, to output: inout [UInt8]) {
        output.append(contentsOf: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `phrase` without the bytes a field value may not hold: in one copy when it has
    /// none (every standard phrase), where filtering lazily appended byte by byte (3 % of the
    /// user time of a proxy answering 429s itself).
    static func appendReasonPhrase(_ phrase: String, to output: inout [UInt8]) {
        let copied = phrase.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            let raw = UnsafeRawBufferPointer(bytes)
            guard ASCII.areFieldValueCharacters(raw) else { return false }
            output.append(contentsOf: raw)
            return true
        }
        if copied != true { output.append(contentsOf: phrase.utf8.lazy.filter(ASCII.isFieldValueCharacter)) }
    }

    static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var remaining = max(value, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(remaining % 10) + 0x30
                remaining /= 10
                count += 1
            } while remaining > 0
            // Rebased: appending the slice itself went through the generic sequence copy.
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(20 - count)...]))
        }
    }

    static func appendHexadecimal(_ value: Int, to output: inout [UInt8]) {
        var shift = 60
        while shift > 0, (value >> shift) & 0xF == 0 { shift -= 4 }
        while shift >= 0 {
            output.append(hexDigits[(value >> shift) & 0xF])
            shift -= 4
        }
    }
}
