/// A block of IP addresses in CIDR notation, such as `10.0.0.0/8` or `2001:db8::/32`.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block (host bits cleared).
    public let address: IPAddress
    /// How many leading bits every address in the block shares.
    public let prefixLength: Int

    /// The block of `prefixLength` leading bits of `address`; nil if the length does not fit the family.
    public init?(address: IPAddress, prefixLength: Int) {
        guard (0...(address.bytes.count * 8)).contains(prefixLength) else { return nil }
        self.address = address.masked(toPrefixLength: prefixLength)
        self.prefixLength = prefixLength
    }

    /// Parses `address/length`, or a bare address meaning just that address; nil when malformed.
    ///
    /// Host bits set after the prefix (`10.1.2.3/8`) are cleared rather than refused, as most
    /// firewalls do, since the intent is unambiguous.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        var prefixLength = address.bytes.count * 8
        if parts.count == 2 {
            // Int("+8") parses, and "08" would too; a prefix is plain digits without padding.
            let digits = parts[1]
            guard (1...3).contains(digits.count), digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                digits.count == 1 || digits.first != "0", let length = Int(digits)
            else { return nil }
            prefixLength = length
        }
        self.init(address: address, prefixLength: prefixLength)
    }

    /// Whether `candidate` lies inside this block; an IPv4 block never contains an IPv6 address.
    public func contains(_ candidate: IPAddress) -> Bool {
        guard candidate.bytes.count == address.bytes.count else { return false }
        return candidate.masked(toPrefixLength: prefixLength) == address
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
