extension HTTPParser {
    /// `chunk-size [ chunk-ext ] CRLF`; at most 15 significant hex digits so the size fits an `Int`.
    mutating func parseChunkLine(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> (event: Event?, consumed: Int) {
        let end = min(bytes.count, limits.maxChunkLineLength)
        guard let lineFeed = try Self.lineFeed(in: bytes, from: 0, to: end) else {
            if bytes.count >= limits.maxChunkLineLength { throw .chunkLineTooLong }
            return (nil, 0)
        }
        let lineEnd = lineFeed - 1
        var index = 0
        var size = 0
        var significantDigits = 0
        while index < lineEnd, let digit = ASCII.hexValue(bytes[index]) {
            if significantDigits > 0 || digit != 0 { significantDigits += 1 }
            guard significantDigits <= 15 else { throw .invalidChunkSize }
            size = size << 4 | digit
            index += 1
        }
        guard index > 0 else { throw .invalidChunkSize }
        while index < lineEnd, bytes[index] == ASCII.space || bytes[index] == ASCII.tab { index += 1 }
        if index < lineEnd {
            // Extensions are allowed and ignored, but must not hide control characters.
            guard bytes[index] == ASCII.semicolon else { throw .invalidChunkSize }
            for position in index..<lineEnd where !ASCII.isFieldValueCharacter(bytes[position]) {
                throw .invalidChunkSize
            }
            chunkExtensionBytes += lineEnd - index
            guard chunkExtensionBytes <= limits.maxChunkExtensionBytes else { throw .chunkExtensionsTooLarge }
        }
        state = size == 0 ? .trailers(scanned: 0) : .chunkData(remaining: size)
        bodyFramingBytes += lineFeed + 1
        return (nil, lineFeed + 1)
    }

    /// The CRLF that must follow chunk data exactly.
    mutating func parseChunkDataEnd(_ bytes: UnsafeRawBufferPointer) throws(HTTPParseError) -> (event: Event?, consumed: Int) {
        guard bytes.count >= 2 else {
            if bytes.count == 1, bytes[0] != ASCII.carriageReturn { throw .invalidChunkTerminator }
            return (nil, 0)
        }
        guard bytes[0] == ASCII.carriageReturn, bytes[1] == ASCII.lineFeed else { throw .invalidChunkTerminator }
        state = .chunkLine
        bodyFramingBytes += 2
        return (nil, 2)
    }

    /// Trailer fields after the last chunk: validated like headers, bounded, then dropped.
    mutating func parseTrailers(_ bytes: UnsafeRawBufferPointer, scanned: Int) throws(HTTPParseError) -> (event: Event?, consumed: Int) {
        let limit = min(bytes.count, limits.maxHeaderBytes + 1)
        var position = scanned
        while let lineFeed = try Self.lineFeed(in: bytes, from: position, to: limit) {
            position = lineFeed + 1
            if lineFeed == 1 || bytes[lineFeed - 2] == ASCII.lineFeed {
                _ = try Self.parseFields(UnsafeRawBufferPointer(rebasing: bytes[0..<position]), from: 0, maxCount: limits.maxHeaderCount) { _, _ in }
                state = .endPending
                bodyFramingBytes += position
                return (nil, position)
            }
        }
        if bytes.count > limits.maxHeaderBytes { throw .headersTooLarge }
        state = .trailers(scanned: bytes.count)
        return (nil, 0)
    }
}
