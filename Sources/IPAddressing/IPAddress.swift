/// An IP address as raw bytes: 4 for IPv4, 16 for IPv6, network byte order.
///
/// Parsed by hand from text (no `inet_pton`) because addresses arrive inside header values as
/// byte slices, and the parser must refuse everything a permissive C parser accepts
/// (`1.2.3`, `0x7f.1`, leading zeros read as octal) so two spellings never name one client.
/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are stored as the IPv4 address they carry:
/// a dual-stack socket reports IPv4 peers that way, and they must match IPv4 networks.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Whether this is an IPv4 address.
    public var isIPv4: Bool { bytes.count == 4 }

    /// An address from raw bytes; nil unless there are exactly 4 or 16.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4:
            self.bytes = bytes
        case 16:
            // The IPv4-mapped prefix ::ffff:0:0/96; see the type's comment for why it is unwrapped.
            let isMapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
            self.bytes = isMapped ? Array(bytes[12..<16]) : bytes
        default:
            return nil
        }
    }

    /// Parses `192.0.2.1` or `2001:db8::1` (no brackets, port or zone); nil for anything else.
    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ IPAddress(text: $0) }) else { return nil }
        self = parsed
    }

    /// Parses an address from UTF-8 bytes; see `init?(_: String)`.
    public init?(text: some Collection<UInt8>) {
        // The longest valid spelling is 45 bytes (IPv6 with an IPv4 tail); refusing longer input
        // first keeps the work per header entry bounded whatever a client sends.
        guard !text.isEmpty, text.count <= 45 else { return nil }
        let characters = Array(text)
        let parsed = characters.contains(UInt8(ascii: ":"))
            ? Self.parseIPv6(characters[...])
            : Self.parseIPv4(characters[...])
        guard let parsed else { return nil }
        self.init(bytes: parsed)
    }

    /// The first `prefixLength` bits of this address, the rest set to zero.
    public func masked(toPrefixLength prefixLength: Int) -> IPAddress {
        var masked = bytes
        for index in masked.indices {
            let bitsKept = min(max(prefixLength - index * 8, 0), 8)
            masked[index] &= bitsKept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bitsKept))
        }
        return IPAddress(bytes: masked)!
    }

    /// Dotted decimal for IPv4; RFC 5952's canonical text for IPv6 (lower case, longest zero run as `::`).
    public var description: String {
        if isIPv4 { return dottedDecimal }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        let (runStart, runLength) = Self.longestZeroRun(groups)
        guard runLength >= 2 else { return groups.map { String($0, radix: 16) }.joined(separator: ":") }
        let head = groups[..<runStart].map { String($0, radix: 16) }.joined(separator: ":")
        let tail = groups[(runStart + runLength)...].map { String($0, radix: 16) }.joined(separator: ":")
        return head + "::" + tail
    }

    /// The IPv4 text written into a stack buffer: at most 15 bytes, so the result is a small
    /// string and costs no allocation (a rate limiter formats one per request for its key;
    /// mapping the bytes to strings and joining them cost five).
    private var dottedDecimal: String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 15) { buffer in
            var count = 0
            for (index, byte) in bytes.enumerated() {
                if index > 0 {
                    buffer[count] = UInt8(ascii: ".")
                    count += 1
                }
                if byte >= 100 {
                    buffer[count] = UInt8(ascii: "0") + byte / 100
                    count += 1
                }
                if byte >= 10 {
                    buffer[count] = UInt8(ascii: "0") + byte / 10 % 10
                    count += 1
                }
                buffer[count] = UInt8(ascii: "0") + byte % 10
                count += 1
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }

    private static func longestZeroRun(_ groups: [UInt16]) -> (start: Int, length: Int) {
        var best = (start: 0, length: 0)
        var index = 0
        while index < groups.count {
            guard groups[index] == 0 else { index += 1; continue }
            let start = index
            while index < groups.count, groups[index] == 0 { index += 1 }
            if index - start > best.length { best = (start, index - start) }
        }
        return best
    }
}
