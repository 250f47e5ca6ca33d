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
        output.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status.code, to: &output)
        output.append(ASCII.space)
        output.append(contentsOf: status.reasonPhrase.utf8.lazy.filter(ASCII.isFieldValueCharacter))
        output.append(ASCII.carriageReturn)
        output.append(ASCII.lineFeed)
        // `Date` is a singleton field: a handler's own value replaces ours rather than joining it.
        if headers.firstIndex(named: "date") == nil { date.appendField(to: &output) }
        headers.appendFields(to: &output, excluding: managedFields)
        switch framing {
        case .length(let count):
            output.append(contentsOf: "Content-Length: ".utf8)
            appendDecimal(count, to: &output)
            output.append(ASCII.carriageReturn)
            output.append(ASCII.lineFeed)
        case .chunked:
            output.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
        case .none, .untilClose:
            break
        }
        switch connection {
        case .close: output.append(contentsOf: "Connection: close\r\n".utf8)
        case .keepAlive: output.append(contentsOf: "Connection: keep-alive\r\n".utf8)
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
            output.append(contentsOf: buffer[(20 - count)...])
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
