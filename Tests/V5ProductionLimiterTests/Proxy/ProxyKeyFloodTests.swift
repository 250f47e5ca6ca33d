import Foundation
import HTTPEngine
import Testing
import TestSupport

/// The key table through the real binary, from the hostile side: clients behind a trusted proxy
/// claiming a new address for every request.
@Suite struct ProxyKeyFloodTests {
    let group = try! EventLoopGroup(loopCount: 1)

    /// The same flood while Redis is down: the fallback limiter's table is held to `--max-keys`
    /// too, and every answer says it was decided without the store.
    @Test func theFallbacksTableIsHeldToMaxKeysWhileRedisIsDown() async throws {
        let redis = try RefusingPort()
        let proxy = try await ProxyProcess.start(arguments: [
            "--redis", "127.0.0.1:\(redis.port)", "--failure-mode", "fallback", "--max-keys", "64",
            "--trusted-proxies", "127.0.0.0/8", "--rps", "0.01", "--burst", "1",
        ])
        let client = HTTPClient(eventLoopGroup: group)
        let total = 2_000
        var degraded = 0
        for index in 0..<total {
            let response = try await get(client, port: proxy.port, headers: [("X-Forwarded-For", "10.1.\(index >> 8).\(index & 0xFF)")])
            if response.status == 200, response.headers["X-RateLimit-Degraded"] == "fallback" { degraded += 1 }
        }
        #expect(degraded == total)
        let metrics = try await get(client, port: proxy.adminPort, path: "/metrics").body
        let liveKeys = metrics.split(separator: "\n").first { $0.hasPrefix("ratelimit_live_keys ") }
        #expect(liveKeys == "ratelimit_live_keys 64", "\(metrics.split(separator: "\n").filter { $0.hasPrefix("ratelimit_") }.joined(separator: "\n"))")
        withExtendedLifetime(redis) {}
        await client.shutdown()
    }

    /// Forged entries in front of a real one: behind a trusted proxy the client is the rightmost
    /// address the proxy did not add itself, however the leftmost entries rotate and however
    /// many there are; without a trusted proxy the field is not believed at all.
    @Test func forgedForwardedForEntriesMintNoKeys() async throws {
        let trusting = try await ProxyProcess.start(arguments: ["--trusted-proxies", "127.0.0.0/8", "--rps", "0.01", "--burst", "3"])
        let client = HTTPClient(eventLoopGroup: group)
        var admitted = 0
        for index in 0..<10 {
            let forged = "203.0.113.\(index), 198.51.100.7"
            if try await get(client, port: trusting.port, headers: [("X-Forwarded-For", forged)]).status == 200 { admitted += 1 }
        }
        // 2,000 forged entries (24 KiB, within the 32 KiB head) in front of the same client.
        let long = (0..<2_000).map { "10.9.\($0 >> 8).\($0 & 0xFF)" }.joined(separator: ",") + ",198.51.100.7"
        if try await get(client, port: trusting.port, headers: [("X-Forwarded-For", long)]).status == 200 { admitted += 1 }
        #expect(admitted == 3)
        let log = await trusting.accessLog { $0.components(separatedBy: "\n").count > 11 }
        #expect(!log.contains("ip:203.0.113.") && !log.contains("ip:10.9."))

        let untrusting = try await ProxyProcess.start(arguments: ["--rps", "0.01", "--burst", "3"])
        var admittedWithoutTrust = 0
        for index in 0..<10 where try await get(client, port: untrusting.port, headers: [("X-Forwarded-For", "203.0.113.\(index)")]).status == 200 {
            admittedWithoutTrust += 1
        }
        #expect(admittedWithoutTrust == 3)
        await client.shutdown()
    }

    /// API keys from the hostile side: 3,000 made-up keys, some of 30 KiB, and variants of a
    /// real one (another case, a prefix, a second field behind a made-up one) are all one
    /// anonymous client, hold no store key of their own and never reach the log.
    @Test func madeUpAndMangledAPIKeysAreOneAnonymousClient() async throws {
        let file = try temporaryFile("""
        {"anonymous": {"limits": [{"rps": 0.01, "burst": 3}]},
         "tiers": {"premium": {"limits": [{"rps": 0.01, "burst": 100}]}},
         "apiKeys": {"premium-key-1": "premium"}}
        """)
        let proxy = try await ProxyProcess.start(arguments: ["--config", file])
        let client = HTTPClient(eventLoopGroup: group)
        var admitted = 0
        for index in 0..<3_000 {
            let key = index % 100 == 0 ? String(repeating: "k", count: 30 * 1024) + "\(index)" : "made-up-\(index)"
            if try await get(client, port: proxy.port, headers: [("X-API-Key", key)]).status == 200 { admitted += 1 }
        }
        for variant in [[("X-API-Key", "PREMIUM-KEY-1")], [("X-API-Key", "premium-key-")], [("X-API-Key", "premium-key-1x")],
                        [("X-API-Key", "made-up"), ("X-API-Key", "premium-key-1")]] {
            if try await get(client, port: proxy.port, headers: variant).status == 200 { admitted += 1 }
        }
        #expect(admitted == 3)
        let metrics = try await get(client, port: proxy.adminPort, path: "/metrics").body
        #expect(metrics.contains("ratelimit_live_keys 1\n"), "\(metrics.split(separator: "\n").filter { $0.hasPrefix("ratelimit_live") })")
        let log = await proxy.accessLog { $0.components(separatedBy: "\n").count > 3_000 }
        #expect(!log.contains("made-up") && !log.contains("kkkk") && !log.contains("PREMIUM"))
        await client.shutdown()
    }

    /// 4,000 requests, each from another address: the in-memory table keeps `--max-keys` keys,
    /// evicting to make room, and every request is still answered by the limiter.
    @Test func aFloodOfAddressesKeepsTheTableAtMaxKeysAndEvicts() async throws {
        let proxy = try await ProxyProcess.start(arguments: ["--max-keys", "64", "--trusted-proxies", "127.0.0.0/8", "--rps", "0.01", "--burst", "1"])
        let client = HTTPClient(eventLoopGroup: group)
        let total = 4_000
        let statuses = try await getConcurrently(total, client, port: proxy.port) { index in
            [("X-Forwarded-For", "10.\(index >> 16).\((index >> 8) & 0xFF).\(index & 0xFF)")]
        }
        // Each address is new (or was evicted), so each is admitted from its own burst.
        #expect(statuses.count == total && statuses.allSatisfy { $0 == 200 })
        let metrics = try await get(client, port: proxy.adminPort, path: "/metrics").body
        func value(_ name: String) -> Int {
            metrics.split(separator: "\n").filter { $0.hasPrefix(name) }.compactMap { $0.split(separator: " ").last.flatMap { Int(Double($0) ?? -1) } }.reduce(0, +)
        }
        #expect(value("ratelimit_live_keys ") == 64, "\(metrics.split(separator: "\n").filter { $0.hasPrefix("ratelimit_") }.joined(separator: "\n"))")
        #expect(value("ratelimit_key_evictions_total") == total - 64)
        // The same address twice in a row is one key: its burst of one is spent.
        #expect(try await get(client, port: proxy.port, headers: [("X-Forwarded-For", "192.0.2.9")]).status == 200)
        #expect(try await get(client, port: proxy.port, headers: [("X-Forwarded-For", "192.0.2.9")]).status == 429)
        await client.shutdown()
    }
}
