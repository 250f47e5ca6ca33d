/// The normalization itself: percent-decoding of unreserved bytes, dot segments, merged slashes.
extension NormalizedPath {
    /// `path` (starting with `/`) with escapes normalized, dot segments removed, slashes merged.
    static func normalized(_ path: ArraySlice<UInt8>) throws(RateLimitKeyError) -> String {
        // Decoding comes first: `%2E%2E` must be seen as `..` by the segment pass, as it is by
        // any server that decodes before resolving (RFC 3986 §6.2.2 lists it first, too).
        let decoded = try percentEncodingNormalized(path)
        var kept: [ArraySlice<UInt8>] = []
        var nonEmptyCount = 0
        for segment in decoded.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if segment.elementsEqual(".".utf8) { continue }
            if segment.elementsEqual("..".utf8) {
                // §5.2.4 rule C: `..` removes the previous segment, and at the root nothing.
                guard let last = kept.popLast() else { continue }
                if last.isEmpty, nonEmptyCount > 0 {
                    // Slashes merged first, this `..` would remove the non-empty segment below.
                    throw .malformedPath(
                        reason: "has a .. segment after an empty one (//..), which servers resolve differently"
                    )
                }
                if !last.isEmpty { nonEmptyCount -= 1 }
                continue
            }
            kept.append(segment)
            if !segment.isEmpty { nonEmptyCount += 1 }
        }
        // Empty segments are dropped here: repeated slashes merge and a trailing one goes.
        let segments = kept.filter { !$0.isEmpty }.map { String(decoding: $0, as: UTF8.self) }
        return "/" + segments.joined(separator: "/")
    }

    /// RFC 3986 §6.2.2.1–2: unreserved characters unescaped, other escapes in upper-case hex,
    /// bytes no path may hold raw escaped (a lenient server reads `"` and `%22` alike).
    static func percentEncodingNormalized(_ path: ArraySlice<UInt8>) throws(RateLimitKeyError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(path.count)
        var index = path.startIndex
        while index < path.endIndex {
            let byte = path[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < path.endIndex, let high = hexValue(path[index + 1]), let low = hexValue(path[index + 2]) else {
                    throw .malformedPath(reason: "has a % not followed by two hex digits")
                }
                let octet = high << 4 | low
                if isUnreserved(octet) { output.append(octet) } else { appendEscaped(octet, to: &output) }
                index += 3
                continue
            }
            if byte == UInt8(ascii: "/") || isPathCharacter(byte) { output.append(byte) } else { appendEscaped(byte, to: &output) }
            index += 1
        }
        return output
    }

    /// unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"  (§2.3)
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || "-._~".utf8.contains(byte)
    }

    /// pchar = unreserved / pct-encoded / sub-delims / ":" / "@"  (§3.3), less the `%` escapes;
    /// sub-delims = "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="  (§2.2)
    private static func isPathCharacter(_ byte: UInt8) -> Bool {
        isUnreserved(byte) || "!$&'()*+,;=:@".utf8.contains(byte)
    }

    private static func appendEscaped(_ byte: UInt8, to output: inout [UInt8]) {
        let digits = Array("0123456789ABCDEF".utf8)
        output += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
