import CLinuxSystem
import Glibc
import IPAddressing

/// An IP socket address: family, raw address bytes (network order) and port.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// The IP protocol family.
    public enum Family: Sendable, Hashable {
        case inet
        case inet6
    }

    public let family: Family
    /// 4 bytes for `.inet`, 16 for `.inet6`, in network byte order.
    public let addressBytes: [UInt8]
    public let port: UInt16
    /// The printable IP address without port, e.g. `127.0.0.1` or `::1`.
    ///
    /// Written once, when the address is made: a proxy asks for its client's on every request
    /// (`X-Forwarded-For`, a rate limiter's key), and an accepted connection's address is made
    /// once per connection. An IPv4 address's text (at most 15 bytes) is kept inside the string.
    public let host: String

    /// Creates an address from raw bytes; the count must match the family.
    public init(family: Family, addressBytes: [UInt8], port: UInt16) {
        precondition(addressBytes.count == (family == .inet ? 4 : 16), "address length does not match the family")
        self.family = family
        self.addressBytes = addressBytes
        self.port = port
        host = Self.text(family: family, addressBytes: addressBytes)
    }

    // The text is derived from the bytes: equality and hashing look at the bytes only.
    public static func == (left: SocketAddress, right: SocketAddress) -> Bool {
        left.family == right.family && left.port == right.port && left.addressBytes == right.addressBytes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(family)
        hasher.combine(addressBytes)
        hasher.combine(port)
    }

    /// Parses a numeric host (`"127.0.0.1"`, `"::1"`); nil for anything else.
    public init?(host: String, port: UInt16) {
        var inet = in_addr()
        if inet_pton(AF_INET, host, &inet) == 1 {
            self.init(family: .inet, addressBytes: withUnsafeBytes(of: inet) { Array($0) }, port: port)
            return
        }
        var inet6 = in6_addr()
        if inet_pton(AF_INET6, host, &inet6) == 1 {
            self.init(family: .inet6, addressBytes: withUnsafeBytes(of: inet6) { Array($0) }, port: port)
            return
        }
        return nil
    }

    /// Reads an `AF_INET`/`AF_INET6` socket address; nil for other families.
    init?(_ storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
            self.init(family: .inet, addressBytes: withUnsafeBytes(of: address.sin_addr) { Array($0) }, port: UInt16(bigEndian: address.sin_port))
        case AF_INET6:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
            self.init(family: .inet6, addressBytes: withUnsafeBytes(of: address.sin6_addr) { Array($0) }, port: UInt16(bigEndian: address.sin6_port))
        default:
            return nil
        }
    }

    /// `addressBytes` as text (see `host`).
    private static func text(family: Family, addressBytes: [UInt8]) -> String {
        // IPv4 without `inet_ntop`, which formats each octet with `sprintf`. `IPAddress` writes it on the stack.
        if family == .inet, let address = IPAddress(bytes: addressBytes) { return address.description }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(INET6_ADDRSTRLEN)) { text in
            text.initialize(repeating: 0)
            addressBytes.withUnsafeBytes { bytes in
                _ = inet_ntop(family == .inet ? AF_INET : AF_INET6, bytes.baseAddress, text.baseAddress, socklen_t(text.count))
            }
            return String(cString: text.baseAddress!)
        }
    }

    /// `host:port`, with brackets around IPv6 hosts.
    public var description: String {
        family == .inet ? "\(host):\(port)" : "[\(host)]:\(port)"
    }

    /// Calls `body` with this address as a `sockaddr` pointer and length.
    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> Result) rethrows -> Result {
        switch family {
        case .inet:
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: addressBytes) }
            return try withUnsafePointer(to: &address) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .inet6:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: addressBytes) }
            return try withUnsafePointer(to: &address) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }
}
