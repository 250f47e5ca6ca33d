import Testing
import IPAddressing

/// IPv4 and IPv6 text parsing: the accepted forms, the refused ones, and round trips.
@Suite struct IPAddressParsingTests {
    @Test func parsesDottedQuadIntoFourBytes() throws {
        let address = try #require(IPAddress("192.0.2.255"))
        #expect(address.bytes == [192, 0, 2, 255])
        #expect(address.isIPv4)
        #expect(address.description == "192.0.2.255")
    }

    @Test func everyOctetValuePrintsAsPlainDecimalAndParsesBack() throws {
        for value in 0...255 {
            let octet = UInt8(value)
            let address = try #require(IPAddress(bytes: [octet, 0, octet, 255]))
            #expect(address.description == "\(value).0.\(value).255")
            #expect(IPAddress(address.description) == address)
        }
    }

    @Test(arguments: ["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "0x7f.0.0.1", "", " 1.2.3.4", "1.2.3.4 ", "1..3.4", "1.2.3.4/8", "unknown"])
    func refusesMalformedOrAmbiguousDottedQuads(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test(arguments: [
        ("2001:db8::1", "2001:db8::1"),
        ("::", "::"),
        ("::1", "::1"),
        ("1::", "1::"),
        ("2001:0DB8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
        ("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
    ])
    func parsesIPv6AndPrintsCanonicalText(text: String, canonical: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.bytes.count == 16)
        #expect(address.description == canonical)
    }

    @Test(arguments: [":::", "1:::2", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "g::1", "fe80::1%eth0", "::1.2.3", "1.2.3.4::", ":1::", "1:2:3:4:5:6:7:8::", "[::1]", "::1:"])
    func refusesMalformedIPv6(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func treatsMappedAddressAsTheDottedQuadItCarries() throws {
        let mapped = try #require(IPAddress("::ffff:192.0.2.1"))
        #expect(mapped == IPAddress("192.0.2.1"))
        #expect(mapped.isIPv4)
        #expect(IPAddress(bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 0, 0, 1]) == IPAddress("10.0.0.1"))
    }

    @Test func refusesOverlongInputBeforeScanningIt() {
        #expect(IPAddress(String(repeating: "1", count: 10_000)) == nil)
        #expect(IPAddress(String(repeating: "0:", count: 5_000) + "1") == nil)
    }

    @Test func canonicalTextParsesBackToTheSameAddress() throws {
        var generator = SeededGenerator(state: 0x5EED)
        for _ in 0..<2_000 {
            // Zero-heavy groups so elided runs of every length and position occur.
            let bytes = (0..<16).map { _ in generator.next() % 3 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : 0 }
            let address = try #require(IPAddress(bytes: bytes))
            #expect(IPAddress(address.description) == address, "\(address)")
        }
    }
}
