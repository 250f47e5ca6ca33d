import IPAddressing
import Testing
import V5ProductionLimiter

/// Trusted-proxy lists as written in configuration: parsing and the error for a bad entry.
@Suite struct TrustedProxyListTests {
    @Test func listParsingNamesTheFirstBadEntry() throws {
        let networks = try IPNetwork.list(parsing: " 10.0.0.0/8, 2001:db8::/32 ,,127.0.0.1")
        #expect(networks.map(\.description) == ["10.0.0.0/8", "2001:db8::/32", "127.0.0.1/32"])
        #expect(throws: RateLimitConfigurationError.invalidNetwork("10.0.0.300")) {
            try IPNetwork.list(parsing: "10.0.0.0/8,10.0.0.300")
        }
    }
}
