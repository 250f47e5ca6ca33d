extension IPAddress {
    /// Four decimal numbers 0–255 joined by dots, each without leading zeros.
    static func parseIPv4(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(4)
        for part in parts {
            // "010" is octal 8 to inet_aton and decimal 10 to others; refusing it removes the doubt.
            guard (1...3).contains(part.count), part.count == 1 || part.first != UInt8(ascii: "0") else { return nil }
            var value = 0
            for character in part {
                guard let digit = decimalDigit(character) else { return nil }
                value = value * 10 + digit
            }
            guard value <= 255 else { return nil }
            result.append(UInt8(value))
        }
        return result
    }

    /// Up to eight groups of 1–4 hex digits with at most one `::`, optionally ending in IPv4.
    static func parseIPv6(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        let colon = UInt8(ascii: ":")
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var hasElision = false
        var position = text.startIndex
        if text.starts(with: [colon, colon]) {
            hasElision = true
            position += 2
        }
        while position < text.endIndex {
            let groupEnd = text[position...].firstIndex(of: colon) ?? text.endIndex
            let group = text[position..<groupEnd]
            var parsedGroups: [UInt16] = []
            if group.contains(UInt8(ascii: ".")) {
                // An embedded IPv4 address may only be the last thing in the text.
                guard groupEnd == text.endIndex, let quad = parseIPv4(group) else { return nil }
                parsedGroups = [UInt16(quad[0]) << 8 | UInt16(quad[1]), UInt16(quad[2]) << 8 | UInt16(quad[3])]
            } else {
                guard let value = parseHexGroup(group) else { return nil }
                parsedGroups = [value]
            }
            if hasElision { tail += parsedGroups } else { head += parsedGroups }
            guard head.count + tail.count <= 8 else { return nil }
            guard groupEnd < text.endIndex else { break }
            // groupEnd is a colon; a second one right after it is the elision.
            if groupEnd + 1 < text.endIndex, text[groupEnd + 1] == colon {
                guard !hasElision else { return nil }
                hasElision = true
                position = groupEnd + 2
            } else {
                position = groupEnd + 1
                guard position < text.endIndex else { return nil }
            }
        }
        let explicitCount = head.count + tail.count
        guard hasElision ? explicitCount <= 7 : explicitCount == 8 else { return nil }
        let groups = head + [UInt16](repeating: 0, count: 8 - explicitCount) + tail
        return groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    private static func parseHexGroup(_ group: ArraySlice<UInt8>) -> UInt16? {
        guard (1...4).contains(group.count) else { return nil }
        var value: UInt16 = 0
        for character in group {
            guard let digit = hexDigit(character) else { return nil }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private static func decimalDigit(_ character: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character) ? Int(character - UInt8(ascii: "0")) : nil
    }

    private static func hexDigit(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
