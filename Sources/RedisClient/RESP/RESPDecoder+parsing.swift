extension RESPDecoder {
    /// What decoding one header line produced.
    enum HeaderStep {
        case needsMoreBytes
        /// An array or bulk string began; its contents follow.
        case opened
        case value(RESPValue)
    }

    private static let carriageReturn = UInt8(ascii: "\r")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let minus = UInt8(ascii: "-")
    private static let plus = UInt8(ascii: "+")

    /// Decodes the line that starts a value: a whole simple value, or the header of an aggregate.
    mutating func decodeHeader() throws(RESPProtocolError) -> HeaderStep {
        guard readIndex < buffer.count else { return .needsMoreBytes }
        let typeByte = buffer[readIndex]
        // Checked before the line is complete, so garbage is refused on its first byte.
        switch typeByte {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "$"), UInt8(ascii: "*"): break
        default: throw .invalidTypeByte(typeByte)
        }
        guard let text = try takeLine() else { return .needsMoreBytes }
        switch typeByte {
        case UInt8(ascii: "+"):
            // Repairing invalid UTF-8 rather than refusing it: a status line is for humans, and
            // refusing would close a healthy connection over one odd byte.
            return .value(.simpleString(String(decoding: buffer[text], as: UTF8.self)))
        case UInt8(ascii: "-"):
            return .value(.error(String(decoding: buffer[text], as: UTF8.self)))
        case UInt8(ascii: ":"):
            return .value(.integer(try parseInteger(text)))
        case UInt8(ascii: "$"):
            guard let length = try parseLength(text, limit: limits.maxBulkLength, tooLong: .bulkStringTooLong(limit: limits.maxBulkLength)) else {
                return .value(.bulkString(nil))
            }
            // Charged when announced, so a reply claiming more than the limit is refused before its data arrives.
            try charge(length)
            try charge(2)
            pendingBulkLength = length
            return .opened
        default:
            guard let count = try parseLength(text, limit: limits.maxArrayLength, tooLong: .arrayTooLong(limit: limits.maxArrayLength)) else {
                return .value(.array(nil))
            }
            guard openArrays.count < limits.maxNestingDepth else { throw .nestingTooDeep(limit: limits.maxNestingDepth) }
            guard count > 0 else { return .value(.array([])) }
            // Reserving the announced count would let a 3-byte header commit megabytes; arrays grow as elements arrive.
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(count, 16))
            openArrays.append(OpenArray(remaining: count, elements: elements))
            return .opened
        }
    }

    /// Consumes the line at `readIndex` and its CRLF, returning the range of its text after the
    /// type byte; nil until the CRLF has arrived.
    private mutating func takeLine() throws(RESPProtocolError) -> Range<Int>? {
        let start = readIndex
        var index = start + 1 + lineScanned
        while index < buffer.count {
            let byte = buffer[index]
            if byte == Self.carriageReturn {
                // The CR is not counted as scanned: the LF after it must be checked when it arrives.
                guard index + 1 < buffer.count else { break }
                guard buffer[index + 1] == Self.lineFeed else { throw .invalidLineTerminator }
                try charge(index + 2 - start)
                readIndex = index + 2
                lineScanned = 0
                return (start + 1)..<index
            }
            // A bare LF is refused, not taken as a line end: simple strings may not contain one.
            guard byte != Self.lineFeed else { throw .invalidLineTerminator }
            index += 1
            guard index - start <= limits.maxLineLength else { throw .lineTooLong(limit: limits.maxLineLength) }
        }
        lineScanned = index - start - 1
        return nil
    }

    /// Consumes a bulk string's data and its CRLF; nil until all of it has arrived.
    mutating func takeBulkData(length: Int) throws(RESPProtocolError) -> [UInt8]? {
        // Subtracting from the available count rather than adding 2 to `length`, which may be Int.max.
        guard buffer.count - readIndex - 2 >= length else { return nil }
        let end = readIndex + length
        guard buffer[end] == Self.carriageReturn, buffer[end + 1] == Self.lineFeed else { throw .missingBulkTerminator }
        let data = Array(buffer[readIndex..<end])
        readIndex = end + 2
        return data
    }

    /// Adds `count` wire bytes to the current reply, refusing to pass `limits.maxReplyBytes`.
    private mutating func charge(_ count: Int) throws(RESPProtocolError) {
        // `replyByteCount` never exceeds the limit, so this subtraction cannot overflow.
        guard count <= limits.maxReplyBytes - replyByteCount else { throw .replyTooLarge(limit: limits.maxReplyBytes) }
        replyByteCount += count
    }

    /// A `$` or `*` length: canonical digits, or nil for the null marker `-1`.
    ///
    /// Only one spelling per length is accepted (no `+`, no leading zeros), as Redis writes them:
    /// a lenient reader would gain nothing, and one spelling means a decoded command re-encodes to
    /// exactly the bytes it came from, which the fuzzer checks.
    private func parseLength(_ text: Range<Int>, limit: Int, tooLong: RESPProtocolError) throws(RESPProtocolError) -> Int? {
        guard let first = text.first else { throw .invalidLength }
        if buffer[first] == Self.minus {
            let magnitude = text.dropFirst()
            // `-0` is refused as a spelling, like `05`: zero has one spelling, `0`.
            guard isCanonicalNumber(magnitude), buffer[magnitude.lowerBound] != UInt8(ascii: "0") else { throw .invalidLength }
            guard magnitude.count == 1, buffer[magnitude.lowerBound] == UInt8(ascii: "1") else { throw .negativeLength }
            return nil
        }
        guard isCanonicalNumber(text) else { throw .invalidLength }
        var value = 0
        for index in text {
            let digit = Int(buffer[index] &- UInt8(ascii: "0"))
            // Refused as soon as the value passes the limit, before it could overflow:
            // `$99999999999999999999` is too long, not a trap.
            guard value <= (limit - digit) / 10 else { throw tooLong }
            value = value * 10 + digit
        }
        return value
    }

    /// Whether `text` is decimal digits without a leading zero (a lone `0` is fine).
    private func isCanonicalNumber(_ text: Range<Int>) -> Bool {
        guard let first = text.first else { return false }
        guard buffer[first] != UInt8(ascii: "0") || text.count == 1 else { return false }
        return text.allSatisfy { isDigit(buffer[$0]) }
    }

    /// An integer reply: an optional sign and one or more digits, within the signed 64-bit range.
    private func parseInteger(_ text: Range<Int>) throws(RESPProtocolError) -> Int64 {
        guard let first = text.first else { throw .invalidInteger }
        let isNegative = buffer[first] == Self.minus
        let digits = buffer[first] == Self.minus || buffer[first] == Self.plus ? text.dropFirst() : text
        guard !digits.isEmpty, digits.allSatisfy({ isDigit(buffer[$0]) }) else { throw .invalidInteger }
        var value: Int64 = 0
        for index in digits {
            let digit = Int64(buffer[index] &- UInt8(ascii: "0"))
            // Accumulated towards the sign so Int64.min, whose magnitude has no positive twin, fits.
            let (shifted, shiftOverflow) = value.multipliedReportingOverflow(by: 10)
            let (next, addOverflow) = isNegative
                ? shifted.subtractingReportingOverflow(digit)
                : shifted.addingReportingOverflow(digit)
            guard !shiftOverflow, !addOverflow else { throw .integerOutOfRange }
            value = next
        }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
