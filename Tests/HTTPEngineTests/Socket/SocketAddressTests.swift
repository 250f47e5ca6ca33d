import Glibc
import Testing
@testable import HTTPEngine

/// Printing addresses: IPv4 by hand, IPv6 through `inet_ntop`.
@Suite struct SocketAddressTests {
    @Test func everyIPv4OctetPrintsAsInetNtopPrintsIt() throws {
        for octet in 0...255 {
            for text in ["\(octet).0.0.1", "10.\(octet).255.\(255 - octet)", "\(octet).\(octet).\(octet).\(octet)"] {
                let address = try #require(SocketAddress(host: text, port: 80))
                #expect(address.host == text)
                #expect(address.host == Self.inetNtop(address))
            }
        }
        #expect(SocketAddress(host: "127.0.0.1", port: 8080)?.description == "127.0.0.1:8080")
    }

    @Test func ipv6StillPrintsCompressedInBrackets() throws {
        let address = try #require(SocketAddress(host: "2001:db8:0:0:0:0:0:1", port: 443))
        #expect(address.host == "2001:db8::1")
        #expect(address.description == "[2001:db8::1]:443")
    }

    /// The C library's own text for `address`.
    static func inetNtop(_ address: SocketAddress) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        address.addressBytes.withUnsafeBytes { bytes in
            _ = inet_ntop(address.family == .inet ? AF_INET : AF_INET6, bytes.baseAddress, &text, socklen_t(text.count))
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
