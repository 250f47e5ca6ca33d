import Testing
import RedisClient

/// `host:port`, `[v6]:port` and `redis://` URLs; hostile text; the password kept out of every rendering.
@Suite struct RedisAddressTests {
    @Test(arguments: [
        ("localhost:6379", RedisAddress(host: "localhost", port: 6379)),
        ("127.0.0.1:7000", RedisAddress(host: "127.0.0.1", port: 7000)),
        ("Cache.Internal", RedisAddress(host: "cache.internal")),
        ("redis_1:6380", RedisAddress(host: "redis_1", port: 6380)),
        ("[::1]:6380", RedisAddress(host: "::1", port: 6380)),
        ("[2001:DB8::1]", RedisAddress(host: "2001:db8::1")),
        ("redis://localhost", RedisAddress(host: "localhost")),
        ("redis://localhost/", RedisAddress(host: "localhost")),
        ("REDIS://localhost:1/15", RedisAddress(host: "localhost", port: 1, database: 15)),
        ("redis://[::1]:6379/2", RedisAddress(host: "::1", database: 2)),
        ("redis://user:secret@cache.internal:6380/2", RedisAddress(host: "cache.internal", port: 6380, username: "user", password: "secret", database: 2)),
        ("redis://:secret@h", RedisAddress(host: "h", password: "secret")),
        ("redis://user@h", RedisAddress(host: "h", username: "user")),
        ("redis://user:@h", RedisAddress(host: "h", username: "user")),
        ("redis://u:p%40ss%2Fw%3Ard@h", RedisAddress(host: "h", username: "u", password: "p@ss/w:rd")),
        ("redis://u:pa/ss@wo:rd@h:1/3", RedisAddress(host: "h", port: 1, username: "u", password: "pa/ss@wo:rd", database: 3)),
        ("redis://h:65535/2147483647", RedisAddress(host: "h", port: 65535, database: 2_147_483_647)),
    ])
    func parsesEveryAcceptedForm(text: String, expected: RedisAddress) throws {
        #expect(try RedisAddress(text) == expected)
    }

    @Test(arguments: [
        ("", RedisAddressError.empty),
        (String(repeating: "a", count: 3000), .tooLong(limit: 2048)),
        (" localhost", .invalidCharacter),
        ("host\n:1", .invalidCharacter),
        ("redis://u:pass word@h", .invalidCharacter),
        ("h\u{7F}", .invalidCharacter),
        ("rediss://h", .unsupportedScheme),
        ("http://h:80", .unsupportedScheme),
        ("unix:///tmp/redis.sock", .unsupportedScheme),
        ("://h", .unsupportedScheme),
        ("user:pw@host:6379", .credentialsWithoutScheme),
        (":6379", .missingHost),
        ("redis://", .missingHost),
        ("redis://:pw@", .missingHost),
        ("redis://u:pw@/0", .missingHost),
        ("::1", .unbracketedIPv6),
        ("fe80::1:6379", .unbracketedIPv6),
        ("[::1", .invalidIPv6),
        ("[1.2.3.4]:1", .invalidIPv6),
        ("[fe80::1%eth0]:1", .invalidIPv6),
        ("[]:1", .invalidIPv6),
        ("[::1]x", .invalidPort),
        ("h:0", .invalidPort),
        ("h:65536", .invalidPort),
        ("h:-1", .invalidPort),
        ("h:+80", .invalidPort),
        ("h:", .invalidPort),
        ("h:99999999999999999999", .invalidPort),
        ("localhost:6379/0", .invalidPort),
        ("999.1.1.1:1", .invalidHost),
        ("1.2.3:1", .invalidHost),
        ("h$t:1", .invalidHost),
        (String(repeating: "a", count: 254), .invalidHost),
        ("redis://h/x", .invalidDatabase),
        ("redis://h/-1", .invalidDatabase),
        ("redis://h/2147483648", .invalidDatabase),
        ("redis://h/99999999999999999999", .invalidDatabase),
        ("redis://h/0/1", .invalidDatabase),
        ("redis://h:1/0?ssl=true", .unsupportedQuery),
        ("redis://h#x", .unsupportedQuery),
        ("redis://u:%zz@h", .invalidPercentEncoding),
        ("redis://u:%4@h", .invalidPercentEncoding),
        ("redis://u:%ff@h", .invalidPercentEncoding),
    ])
    func refusesHostileTextWithTheErrorNamingIt(text: String, expected: RedisAddressError) {
        #expect(throws: expected) { try RedisAddress(text) }
    }

    @Test func masksThePasswordInEveryRendering() throws {
        let address = try RedisAddress("redis://user:hunter2@cache.internal:6380/2")
        #expect(address.password == "hunter2")
        #expect(address.description == "redis://user:***@cache.internal:6380/2")
        var dumped = ""
        dump(address, to: &dumped)
        for rendering in ["\(address)", String(reflecting: address), String(describing: address), dumped, "\([address])"] {
            #expect(!rendering.contains("hunter2"), "\(rendering)")
        }
    }

    @Test func describesAddressesAsURLs() throws {
        #expect(try RedisAddress("localhost").description == "redis://localhost:6379/0")
        #expect(try RedisAddress("[::1]:7000").description == "redis://[::1]:7000/0")
        #expect(try RedisAddress("redis://:pw@h").description == "redis://:***@h:6379/0")
        #expect(try RedisAddress("redis://u@h").description == "redis://u@h:6379/0")
    }

    @Test(arguments: [
        "redis://user:hunter2@", "redis://user:hun/ter2@h:x", "redis://user:hunter2@h/db", "user:hunter2@h",
        "redis://user:%zzhunter2@h", "hunter2://h", "redis://u:hunter2@h?x", "redis://u:hunter2@[::1", "redis://u:hunter2 @h",
    ])
    func neverEchoesTheInputInParseErrors(text: String) {
        do throws(RedisAddressError) {
            _ = try RedisAddress(text)
            Issue.record("\(text.count)-byte address parsed")
        } catch {
            #expect(!error.description.contains("hunter2"))
            #expect(!error.description.contains("ter2"))
        }
    }
}
