import Testing
import IPAddressing

/// CIDR blocks: membership, host-bit masking and the refused spellings.
@Suite struct IPNetworkTests {
    @Test func containsAddressesInsideTheBlockOnly() throws {
        let private10 = try #require(IPNetwork("10.0.0.0/8"))
        #expect(private10.contains(IPAddress("10.255.1.2")!))
        #expect(!private10.contains(IPAddress("11.0.0.0")!))
        let documentation = try #require(IPNetwork("2001:db8::/32"))
        #expect(documentation.contains(IPAddress("2001:db8:ffff::1")!))
        #expect(!documentation.contains(IPAddress("2001:db9::1")!))
    }

    @Test func prefixNotOnAByteBoundaryMasksPartOfAByte() throws {
        let block = try #require(IPNetwork("192.168.0.0/23"))
        #expect(block.contains(IPAddress("192.168.1.255")!))
        #expect(!block.contains(IPAddress("192.168.2.0")!))
        let sixtyFive = try #require(IPNetwork("2001:db8::/65"))
        #expect(sixtyFive.contains(IPAddress("2001:db8::7fff:ffff:ffff:ffff")!))
        #expect(!sixtyFive.contains(IPAddress("2001:db8::8000:0:0:0")!))
    }

    @Test func clearsHostBitsAndTreatsABareAddressAsOneHost() throws {
        #expect(IPNetwork("10.1.2.3/8") == IPNetwork("10.0.0.0/8"))
        let single = try #require(IPNetwork("198.51.100.7"))
        #expect(single.prefixLength == 32)
        #expect(single.contains(IPAddress("198.51.100.7")!))
        #expect(!single.contains(IPAddress("198.51.100.8")!))
        #expect(IPNetwork("::1")?.prefixLength == 128)
    }

    @Test func familiesNeverMatchEachOther() throws {
        #expect(!IPNetwork("0.0.0.0/0")!.contains(IPAddress("::1")!))
        #expect(!IPNetwork("::/0")!.contains(IPAddress("192.0.2.1")!))
        // A mapped address is an IPv4 address, so IPv4 blocks match it.
        #expect(IPNetwork("192.0.2.0/24")!.contains(IPAddress("::ffff:192.0.2.9")!))
    }

    @Test(arguments: ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08", "abc/8", "/8", "10.0.0.0/8/8", ""])
    func refusesMalformedBlocks(text: String) {
        #expect(IPNetwork(text) == nil)
    }
}
