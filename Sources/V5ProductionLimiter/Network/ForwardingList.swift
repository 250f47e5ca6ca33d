/// Splits forwarding header values into elements and extracts the address of each hop.
///
/// Works on byte slices of the header value: a header can be tens of kilobytes (the engine caps
/// the head at 32 KB), and the walk looks at a handful of entries from the right, so no
/// `String` is made per entry.
enum ForwardingList {
    /// The comma-separated elements of `value`, commas inside quoted strings kept, blanks trimmed.
    static func elements(of value: [UInt8]) -> [ArraySlice<UInt8>] {
        var elements: [ArraySlice<UInt8>] = []
        var start = value.startIndex
        var isQuoted = false
        var isEscaped = false
        for index in value.indices {
            let character = value[index]
            if isEscaped { isEscaped = false; continue }
            switch character {
            case UInt8(ascii: "\\") where isQuoted: isEscaped = true
            case UInt8(ascii: "\""): isQuoted.toggle()
            case UInt8(ascii: ",") where !isQuoted:
                elements.append(trimmed(value[start..<index]))
                start = index + 1
            default: break
            }
        }
        elements.append(trimmed(value[start...]))
        return elements
    }

    /// The host part of one `X-Forwarded-For` entry: `192.0.2.1`, `192.0.2.1:80`, `2001:db8::1`, `[2001:db8::1]:80`.
    static func nodeOfForwardedForEntry(_ entry: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        stripPort(entry)
    }

    /// The host of the `for=` parameter of one RFC 7239 element, unquoted, without brackets or port.
    static func nodeOfForwardedElement(_ element: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        for pair in element.split(separator: UInt8(ascii: ";")) {
            let pair = trimmed(pair)
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = pair[pair.startIndex..<equals]
            guard name.count == 3, name.map({ $0 | 0x20 }) == Array("for".utf8) else { continue }
            var value = pair[(equals + 1)...]
            if value.count >= 2, value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\"") {
                value = value.dropFirst().dropLast()
                // A node never needs a backslash; one can only be an attempt to confuse the parser.
                guard !value.contains(UInt8(ascii: "\\")) else { return nil }
            }
            return stripPort(value)
        }
        return nil
    }

    /// `[v6]:port` → `v6`, `[v6]` → `v6`, `v4:port` → `v4`; a bare IPv6 address is kept whole.
    private static func stripPort(_ node: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard !node.isEmpty else { return nil }
        if node.first == UInt8(ascii: "[") {
            guard let close = node.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            let rest = node[(close + 1)...]
            guard rest.isEmpty || isPortSuffix(rest) else { return nil }
            return node[(node.startIndex + 1)..<close]
        }
        let colons = node.lazy.filter { $0 == UInt8(ascii: ":") }.count
        if colons == 1, let colon = node.firstIndex(of: UInt8(ascii: ":")) {
            guard isPortSuffix(node[colon...]) else { return nil }
            return node[node.startIndex..<colon]
        }
        return node
    }

    /// Whether `suffix` is `:` followed by 1–5 digits.
    private static func isPortSuffix(_ suffix: ArraySlice<UInt8>) -> Bool {
        guard suffix.first == UInt8(ascii: ":") else { return false }
        let digits = suffix.dropFirst()
        return (1...5).contains(digits.count) && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func trimmed(_ slice: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isBlank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = slice.firstIndex(where: { !isBlank($0) }), let last = slice.lastIndex(where: { !isBlank($0) }) else {
            return slice[slice.endIndex...]
        }
        return slice[first...last]
    }
}
