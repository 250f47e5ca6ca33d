extension HTTPParser {
    /// Waits for a complete head (bounded by the limits), then parses it in one pass.
    mutating func parseHead(_ bytes: UnsafeRawBufferPointer, scanned: Int, sawLineEnd: Bool) throws(HTTPParseError) -> (event: Event?, consumed: Int) {
        // RFC 9112 section 2.2: ignore empty lines before a request line (clients send stray CRLF after bodies).
        // A lone CR waits for its LF without being scanned, so the decision never depends on how input was split.
        if !sawLineEnd, bytes.first == ASCII.carriageReturn {
            guard bytes.count >= 2 else { return (nil, 0) }
            guard bytes[1] == ASCII.lineFeed else { throw mode == .request ? .invalidRequestLine : .invalidStatusLine }
            state = .head(scanned: 0, sawLineEnd: false)
            return (nil, 2)
        }
        if !sawLineEnd, bytes.first == ASCII.lineFeed { throw .bareLineFeed }

        var position = scanned
        var sawLineEnd = sawLineEnd
        let limit = min(bytes.count, limits.maxHeaderBytes + 1)
        while let lineFeed = try Self.lineFeed(in: bytes, from: position, to: limit) {
            position = lineFeed + 1
            if !sawLineEnd {
                if mode == .request, lineFeed > maxRequestLineLength { throw .requestTargetTooLong }
                sawLineEnd = true
                continue
            }
            if bytes[lineFeed - 2] == ASCII.lineFeed {
                let head = UnsafeRawBufferPointer(rebasing: bytes[0..<position])
                return (try parseCompleteHead(head), position)
            }
        }
        if !sawLineEnd, mode == .request, bytes.count > maxRequestLineLength {
            throw .requestTargetTooLong
        }
        if bytes.count > limits.maxHeaderBytes { throw .headersTooLarge }
        state = .head(scanned: bytes.count, sawLineEnd: sawLineEnd)
        return (nil, 0)
    }

    /// Longest request line: the target limit plus room for method and version. Checked
    /// both while waiting for the line and once it is complete, so the outcome never
    /// depends on how the input was split.
    var maxRequestLineLength: Int { limits.maxRequestTargetLength + 64 }

    /// Parses a head that ends with the empty line, and decides the body framing.
    mutating func parseCompleteHead(_ head: UnsafeRawBufferPointer) throws(HTTPParseError) -> Event {
        let firstLineEnd = try Self.lineFeed(in: head, from: 0, to: head.count)! - 1
        let headers = try Self.parseHeaders(head, fieldsFrom: firstLineEnd + 2, maxCount: limits.maxHeaderCount, room: headerRoom)
        switch mode {
        case .request:
            let line = try parseRequestLine(UnsafeRawBufferPointer(rebasing: head[0..<firstLineEnd]))
            let framing = try Self.requestFraming(headers, version: line.version)
            state = Self.bodyState(for: framing)
            // The head's bytes sit behind the field table in the headers' buffer.
            let target = (line.target.lowerBound + headers.bytesStart)..<(line.target.upperBound + headers.bytesStart)
            return .requestHead(HTTPRequestHead(method: line.method, version: line.version, headers: headers, targetRange: target, bodyFraming: framing))
        case .response:
            let line = try Self.parseStatusLine(UnsafeRawBufferPointer(rebasing: head[0..<firstLineEnd]))
            let framing = try Self.responseFraming(headers, status: line.status, isResponseToHead: isResponseToHeadRequest)
            state = Self.bodyState(for: framing)
            return .responseHead(HTTPResponseHead(version: line.version, status: line.status, headers: headers, bodyFraming: framing))
        }
    }

    static func bodyState(for framing: HTTPBodyFraming) -> State {
        switch framing {
        case .none, .length(0): .endPending
        case .length(let count): .fixedBody(remaining: count)
        case .chunked: .chunkLine
        case .untilClose: .untilClose
        }
    }

    /// `method SP request-target SP HTTP-version`, with exactly one space between parts.
    func parseRequestLine(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> (method: HTTPMethod, target: Range<Int>, version: HTTPVersion) {
        var index = 0
        while index < line.count, ASCII.isTokenCharacter(line[index]) { index += 1 }
        guard index > 0, index < line.count, line[index] == ASCII.space else { throw .invalidRequestLine }
        let method = HTTPMethod.parse(UnsafeRawBufferPointer(rebasing: line[0..<index]))
        let targetStart = index + 1
        index = targetStart
        while index < line.count, ASCII.isTargetCharacter(line[index]) { index += 1 }
        if index - targetStart > limits.maxRequestTargetLength { throw .requestTargetTooLong }
        guard index > targetStart, index < line.count, line[index] == ASCII.space else { throw .invalidRequestLine }
        let version = try Self.parseVersion(UnsafeRawBufferPointer(rebasing: line[(index + 1)...]), error: .invalidRequestLine)
        return (method, targetStart..<index, version)
    }

    /// `HTTP-version SP 3DIGIT SP reason-phrase` (the reason may be empty or missing).
    static func parseStatusLine(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> (version: HTTPVersion, status: HTTPStatus) {
        guard line.count >= 12, line[8] == ASCII.space else { throw .invalidStatusLine }
        let version = try parseVersion(UnsafeRawBufferPointer(rebasing: line[0..<8]), error: .invalidStatusLine)
        var code = 0
        for index in 9..<12 {
            guard line[index] >= 0x30, line[index] <= 0x39 else { throw .invalidStatusLine }
            code = code * 10 + Int(line[index] - 0x30)
        }
        guard code >= 100 else { throw .invalidStatusLine }
        var reason = ""
        if line.count > 12 {
            guard line[12] == ASCII.space else { throw .invalidStatusLine }
            let reasonBytes = UnsafeRawBufferPointer(rebasing: line[13...])
            guard reasonBytes.allSatisfy(ASCII.isFieldValueCharacter) else { throw .invalidStatusLine }
            // The usual reason is the standard one: kept as that literal rather than decoded into
            // a new string, ~130 instructions per response a proxy reads.
            let standard = HTTPStatus.standardReason(for: code)
            let isStandard = standard.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(reasonBytes) } ?? false
            reason = isStandard ? standard : String(decoding: reasonBytes, as: UTF8.self)
        }
        return (version, HTTPStatus(code: code, reasonPhrase: reason))
    }

    /// `HTTP/DIGIT.DIGIT`; 1.x is accepted (1.2+ is answered as 1.1), anything else is 505.
    static func parseVersion(_ bytes: UnsafeRawBufferPointer, error: HTTPParseError) throws(HTTPParseError) -> HTTPVersion {
        guard bytes.count == 8, bytes[0] == 0x48, bytes[1] == 0x54, bytes[2] == 0x54, bytes[3] == 0x50, bytes[4] == 0x2F,
              bytes[6] == 0x2E, (0x30...0x39).contains(bytes[5]), (0x30...0x39).contains(bytes[7])
        else { throw error }
        guard bytes[5] == 0x31 else { throw .unsupportedVersion }
        return bytes[7] == 0x30 ? .http1_0 : .http1_1
    }

    /// Copies the head into one buffer behind a table of its fields (parsed from `start`):
    /// one allocation per head.
    static func parseHeaders(_ head: UnsafeRawBufferPointer, fieldsFrom start: Int, maxCount: Int, room: HeaderRoom = HeaderRoom()) throws(HTTPParseError) -> HTTPHeaders {
        // Each field ends with a line feed, so the lines bound the table's size.
        var lineCount = 0
        var next = start
        while let lineFeed = position(of: ASCII.lineFeed, in: head, from: next, to: head.count) {
            lineCount += 1
            next = lineFeed + 1
        }
        let stride = HTTPHeaders.fieldStride
        let tableCapacity = min(lineCount, maxCount) + room.fields
        let bytesStart = tableCapacity * stride
        var failure: HTTPParseError?
        var count = 0
        var nameLengths: UInt64 = 0
        let storage = HeaderBytes(capacity: bytesStart + head.count + room.bytes) { bytes in
            UnsafeMutableRawBufferPointer(rebasing: bytes[bytesStart...]).copyMemory(from: head)
            do throws(HTTPParseError) {
                count = try parseFields(head, from: start, maxCount: maxCount) { index, field in
                    bytes.storeBytes(of: field.shifted(by: bytesStart), toByteOffset: index * stride, as: HTTPHeaders.Field.self)
                    nameLengths |= HTTPHeaders.nameLengthBit(Int(field.nameEnd - field.nameStart))
                }
                bytes.baseAddress!.advanced(by: count * stride).initializeMemory(as: UInt8.self, repeating: 0, count: (tableCapacity - count) * stride)
                return bytesStart + head.count
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        return HTTPHeaders(parsedStorage: storage, tableCapacity: tableCapacity, count: count, nameLengths: nameLengths)
    }

    /// Parses `name: value` lines starting at `start` up to the empty line, handing each to
    /// `record` with its index; returns how many there were. Rejects folding, whitespace
    /// before the colon and control characters in values.
    static func parseFields(_ head: UnsafeRawBufferPointer, from start: Int, maxCount: Int, _ record: (Int, HTTPHeaders.Field) -> Void) throws(HTTPParseError) -> Int {
        var count = 0
        var lineStart = start
        while lineStart < head.count {
            guard let lineFeed = try lineFeed(in: head, from: lineStart, to: head.count) else { throw .invalidHeaderValue }
            let lineEnd = lineFeed - 1
            if lineEnd == lineStart { break }
            let first = head[lineStart]
            if first == ASCII.space || first == ASCII.tab { throw .obsoleteLineFolding }
            var index = lineStart
            while index < lineEnd, ASCII.isTokenCharacter(head[index]) { index += 1 }
            guard index < lineEnd, index > lineStart else { throw .invalidHeaderName }
            if head[index] == ASCII.space || head[index] == ASCII.tab { throw .whitespaceBeforeColon }
            guard head[index] == ASCII.colon else { throw .invalidHeaderName }
            let nameEnd = index
            index += 1
            while index < lineEnd, head[index] == ASCII.space || head[index] == ASCII.tab { index += 1 }
            let valueStart = index
            guard ASCII.areFieldValueCharacters(UnsafeRawBufferPointer(rebasing: head[valueStart..<lineEnd])) else { throw .invalidHeaderValue }
            // Trailing whitespace is not part of the value (RFC 9112 §5: OWS after it).
            var valueEnd = lineEnd
            while valueEnd > valueStart, head[valueEnd - 1] == ASCII.space || head[valueEnd - 1] == ASCII.tab { valueEnd -= 1 }
            guard count < maxCount else { throw .tooManyHeaders }
            record(count, HTTPHeaders.Field(nameStart: Int32(lineStart), nameEnd: Int32(nameEnd), valueStart: Int32(valueStart), valueEnd: Int32(valueEnd)))
            count += 1
            lineStart = lineFeed + 1
        }
        return count
    }
}
