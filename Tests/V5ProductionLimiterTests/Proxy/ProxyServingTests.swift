import Foundation
import HTTPEngine
import RedisTestSupport
import TestSupport
import Testing

/// The real binary serving: limits, headers, tiers, the key-minting fallback, shadow routes,
/// request IDs, the admin endpoints.
@Suite(.serialized) struct ProxyServingTests {
    let group = try! EventLoopGroup(loopCount: 1)

    @Test func withNoUpstreamItLimitsInFrontOfTheDemoUpstream() async throws {
        // The default burst of 5, with the refill slowed down: on a loaded machine eight requests
        // can take longer than the default refill of one unit per half second.
        let proxy = try await ProxyProcess.start(arguments: ["--rps", "0.01"])
        let client = HTTPClient(eventLoopGroup: group)
        let first = try await get(client, port: proxy.port)
        #expect(first.body.contains("hello from the demo upstream"))
        var statuses = [first.status]
        for _ in 0..<6 { statuses.append(try await get(client, port: proxy.port).status) }
        #expect(statuses == [200, 200, 200, 200, 200, 429, 429])
        let refused = try await get(client, port: proxy.port)
        #expect(refused.status == 429)
        // A unit every 100 s: the wait is up to 100 s, less whatever time has passed on a slow machine.
        #expect((1...100).contains(Int(refused.headers["Retry-After"] ?? "") ?? 0))
        #expect(refused.body.hasPrefix(#"{"error":"rate_limited","retry_after":"#))
        #expect(refused.headers["X-RateLimit-Limit"] == "5")
        #expect(refused.headers["RateLimit-Policy"]?.hasPrefix(#""anonymous";q=5"#) == true)
        // An X-Forwarded-For from an untrusted peer gives no new identity: still refused.
        let spoofed = try await get(client, port: proxy.port, headers: [("X-Forwarded-For", "192.0.2.1")])
        #expect(spoofed.status == 429)
        await client.shutdown()
    }

    @Test func aFlagWinsOverTheEnvironment() async throws {
        let proxy = try await ProxyProcess.start(arguments: ["--burst", "3", "--rps", "0.01"], environment: ["RATE_LIMIT_BURST": "8"])
        let client = HTTPClient(eventLoopGroup: group)
        var admitted = 0
        for _ in 0..<10 where try await get(client, port: proxy.port).status == 200 { admitted += 1 }
        #expect(admitted == 3)
        await client.shutdown()
    }

    @Test func premiumKeysGetTheirTierAndMintedKeysFallBackToTheAddress() async throws {
        let file = try temporaryFile("""
        {"anonymous": {"limits": [{"rps": 0.01, "burst": 3}]},
         "tiers": {"premium": {"limits": [{"rps": 0.01, "burst": 12}]}},
         "apiKeys": {"premium-key-1": "premium"}}
        """)
        let proxy = try await ProxyProcess.start(arguments: ["--config", file])
        let client = HTTPClient(eventLoopGroup: group)
        var premium = 0
        for _ in 0..<15 where try await get(client, port: proxy.port, headers: [("X-API-Key", "premium-key-1")]).status == 200 { premium += 1 }
        #expect(premium == 12)
        // A new made-up key per request does not escape the per-address limit.
        var minted = 0
        for index in 0..<10 where try await get(client, port: proxy.port, headers: [("X-API-Key", "made-up-\(index)")]).status == 200 { minted += 1 }
        #expect(minted == 3)
        // The access log names keys by keyed hash only.
        let log = await proxy.accessLog { $0.contains(#""policy":"tier:premium""#) }
        #expect(log.contains(#""policy":"tier:premium""#))
        #expect(!log.contains("premium-key-1"))
        await client.shutdown()
    }

    /// The IPv6 way to mint budgets: a host owning a /64 (the usual assignment) takes a new
    /// address from it for every request, here through a trusted proxy's `X-Forwarded-For`.
    @Test func newIPv6AddressesFromOneSlash64ShareOneBudget() async throws {
        let proxy = try await ProxyProcess.start(arguments: ["--trusted-proxies", "127.0.0.0/8", "--rps", "0.01", "--burst", "5"])
        let client = HTTPClient(eventLoopGroup: group)
        var admitted = 0
        for index in 0..<50 {
            let forwarded = "2001:db8:1:2:\(String(index, radix: 16)):\(String(index * 7, radix: 16))::1"
            if try await get(client, port: proxy.port, headers: [("X-Forwarded-For", forwarded)]).status == 200 { admitted += 1 }
        }
        #expect(admitted == 5)
        // The neighbouring /64 is another client, with its own budget.
        #expect(try await get(client, port: proxy.port, headers: [("X-Forwarded-For", "2001:db8:1:3::1")]).status == 200)
        let log = await proxy.accessLog { $0.contains("2001:db8:1:3::/64") }
        #expect(log.contains(#""key":"ip:2001:db8:1:2::/64""#), "\(log.suffix(600))")
        await client.shutdown()
    }

    /// More limited routes than a request can carry limits: a client cycling through them must
    /// not find a route's limit forgotten because it met the others (the in-memory store once
    /// kept eight limit states per client and dropped one to count the ninth: 27 of 27 admitted).
    @Test func aClientCyclingThroughNineHourlyRoutesGetsOneRequestPerRoute() async throws {
        let routes = (0..<9).map { #"{"path": "/r\#($0)", "limits": [{"count": 1, "per": "1h"}]}"# }.joined(separator: ", ")
        let file = try temporaryFile(#"{"anonymous": {"limits": [{"rps": 1000, "burst": 1000}]}, "routes": [\#(routes)]}"#)
        let proxy = try await ProxyProcess.start(arguments: ["--config", file])
        let client = HTTPClient(eventLoopGroup: group)
        var admitted: [String] = []
        for _ in 0..<3 {
            for route in 0..<9 where try await get(client, port: proxy.port, path: "/r\(route)").status == 200 { admitted.append("/r\(route)") }
        }
        #expect(admitted == (0..<9).map { "/r\($0)" })
        await client.shutdown()
    }

    @Test func aShadowRouteCountsRefusalsButRefusesNothing() async throws {
        let file = try temporaryFile("""
        {"anonymous": {"limits": [{"rps": 1000, "burst": 1000}]},
         "routes": [{"path": "/reports", "limits": [{"count": 2, "per": "1h"}], "shadow": true}]}
        """)
        let proxy = try await ProxyProcess.start(arguments: ["--config", file])
        let client = HTTPClient(eventLoopGroup: group)
        var statuses: [Int] = []
        for _ in 0..<5 { statuses.append(try await get(client, port: proxy.port, path: "/reports/daily").status) }
        #expect(statuses == [200, 200, 200, 200, 200])
        let shadowLines = { (log: String) in log.components(separatedBy: #""decision":"shadow_limited""#).count - 1 }
        #expect(shadowLines(await proxy.accessLog { shadowLines($0) >= 3 }) == 3)
        let metrics = try await get(client, port: proxy.adminPort, path: "/metrics").body
        #expect(metrics.contains("ratelimit_shadow_refusals_total 3"))
        await client.shutdown()
    }

    /// An upstream answering with the `X-Request-ID` it was sent ("none" without one), and its port.
    func requestIDEchoingUpstream() async throws -> (HTTPServer, UInt16) {
        let upstream = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
            handler: HTTPClosureHandler { request in HTTPResponse(body: .init(string: request.headers["X-Request-ID"] ?? "none")) },
            eventLoopGroup: group
        )
        return (upstream, try await upstream.start().port)
    }

    @Test func theRequestIDReachesTheUpstreamAndTheLog() async throws {
        let (upstream, upstreamPort) = try await requestIDEchoingUpstream()
        let proxy = try await ProxyProcess.start(arguments: ["--upstream", "http://127.0.0.1:\(upstreamPort)"])
        let client = HTTPClient(eventLoopGroup: group)
        let given = try await get(client, port: proxy.port, headers: [("X-Request-ID", "trace-42")])
        #expect(given.body == "trace-42")
        let generated = try await get(client, port: proxy.port)
        #expect(generated.body.utf8.count == 32)
        let log = await proxy.accessLog { $0.contains(#""request_id":"trace-42""#) && $0.contains(#""request_id":"\#(generated.body)""#) }
        #expect(log.contains(#""request_id":"trace-42""#))
        #expect(log.contains(#""request_id":"\#(generated.body)""#))
        await client.shutdown()
        await upstream.shutdown(gracePeriod: .seconds(1))
    }

    /// A client's request ID at the edges of what is accepted (1-128 visible ASCII characters),
    /// with the characters a JSON line must escape: every access-log line still parses, and holds
    /// the ID the upstream saw.
    @Test func requestIDsAtTheLimitAndWithQuotesKeepEveryLogLineJSON() async throws {
        let (upstream, upstreamPort) = try await requestIDEchoingUpstream()
        let proxy = try await ProxyProcess.start(arguments: ["--upstream", "http://127.0.0.1:\(upstreamPort)", "--rps", "1000", "--burst", "1000"])
        let client = HTTPClient(eventLoopGroup: group)
        let longest = String(repeating: "a", count: 128)
        let tooLong = String(repeating: "b", count: 129)
        let quoted = #"q"u\o\"#
        var seen: [String] = []
        for given in [longest, tooLong, quoted] {
            seen.append(try await get(client, port: proxy.port, headers: [("X-Request-ID", given)]).body)
        }
        #expect(seen[0] == longest)
        #expect(seen[1] != tooLong && seen[1].utf8.count == 32, "\(seen[1])")
        #expect(seen[2] == quoted)
        let log = await proxy.accessLog { $0.split(separator: "\n").count >= 3 }
        var logged: [String] = []
        for line in log.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)")
            if let id = object?["request_id"] as? String { logged.append(id) }
        }
        #expect(logged == seen)
        await client.shutdown()
        await upstream.shutdown(gracePeriod: .seconds(1))
    }

    @Test func metricsCountTheAnswersByClassAndTheClientConnections() async throws {
        let proxy = try await ProxyProcess.start(arguments: ["--rps", "1", "--burst", "2"])
        var connection: BlockingHTTPClient? = try BlockingHTTPClient(port: proxy.port)
        var statuses: [Int] = []
        for _ in 0..<4 { statuses.append(try await connection!.get("/").status) }
        // Two from the burst, then refusals (a slow run may see one more token back).
        #expect(statuses.count { $0 == 429 } >= 1 && statuses.allSatisfy { $0 == 200 || $0 == 429 })
        let client = HTTPClient(eventLoopGroup: group)
        let metrics = try await get(client, port: proxy.adminPort, path: "/metrics").body
        #expect(metrics.contains("proxy_responses_total{class=\"2xx\"} \(statuses.count { $0 == 200 })"))
        #expect(metrics.contains("proxy_responses_total{class=\"4xx\"} \(statuses.count { $0 == 429 })"))
        #expect(metrics.contains("proxy_request_duration_seconds_count 4"))
        #expect(metrics.contains("proxy_connections_accepted_total 1"))
        #expect(metrics.contains("proxy_connections_open 1"))
        // The admitted requests reached the demo upstream over a connection the proxy opened.
        #expect(metrics.contains(#"proxy_upstream_connects_total{result="connected"} "#) && !metrics.contains(#"proxy_upstream_connects_total{result="connected"} 0"#))
        connection = nil
        let isClosed = try await proxy.waitForMetric("proxy_connections_open 0", client: client, timeout: .seconds(10))
        #expect(isClosed, "proxy_connections_open did not go back to 0")
        withExtendedLifetime(connection) {}
        await client.shutdown()
    }

    @Test func theEventLoopCountComesFromTheFlagTheVariableOrTheCPUs() async throws {
        let fromFlag = try await ProxyProcess.start(arguments: ["--event-loops", "3"])
        #expect(fromFlag.lifecycleLog.contains(#""event_loops":"3""#), "\(fromFlag.lifecycleLog)")
        let fromVariable = try await ProxyProcess.start(environment: ["EVENT_LOOPS": "1"])
        #expect(fromVariable.lifecycleLog.contains(#""event_loops":"1""#), "\(fromVariable.lifecycleLog)")
        let client = HTTPClient(eventLoopGroup: group)
        // One loop still serves the proxy, its admin listener and the demo upstream.
        #expect(try await get(client, port: fromVariable.port).status == 200)
        #expect(try await get(client, port: fromVariable.adminPort, path: "/healthz").status == 200)
        await client.shutdown()
        let byDefault = try await ProxyProcess.start()
        #expect(byDefault.lifecycleLog.contains(#""event_loops":"\#(AvailableCPUs.count)""#), "\(byDefault.lifecycleLog)")
        // Held to one CPU by its affinity mask, it starts one loop: counting the online CPUs, as
        // the first edition did, started one per CPU of the machine.
        let onOneCPU = try await ProxyProcess.start(allowedCPUs: "0")
        #expect(onOneCPU.lifecycleLog.contains(#""event_loops":"1""#), "\(onOneCPU.lifecycleLog)")
    }

    /// `--max-connections 2`: with two client connections held, a third is answered 503 and
    /// closed, counted in `proxy_connections_refused_total` (and not as accepted), and a
    /// connection is served again once one of the two has left.
    @Test func aConnectionOverTheCapIsAnswered503CountedAndServedOnceOneLeaves() async throws {
        let proxy = try await ProxyProcess.start(arguments: ["--max-connections", "2", "--rps", "1000", "--burst", "1000"])
        var first: BlockingHTTPClient? = try BlockingHTTPClient(port: proxy.port)
        let second = try BlockingHTTPClient(port: proxy.port)
        #expect(try await first!.get("/").status == 200)
        #expect(try await second.get("/").status == 200)
        // Nothing sent: the answer comes on accepting, and an unread request would make the close a reset.
        let refused = try await BlockingHTTPClient(port: proxy.port).exchange(raw: [])
        #expect(refused.status == 503)
        #expect(refused.header("Connection") == "close")
        let client = HTTPClient(eventLoopGroup: group)
        let metrics = try await get(client, port: proxy.adminPort, path: "/metrics").body
        #expect(metrics.contains("proxy_connections_refused_total 1"))
        #expect(metrics.contains("proxy_connections_accepted_total 2"))
        first = nil
        let deadline = ContinuousClock.now + .seconds(30)
        var served = false
        while !served, ContinuousClock.now < deadline {
            // Refused until the proxy has seen the close, which it does on its own schedule.
            served = (try? await BlockingHTTPClient(port: proxy.port).get("/").status) == 200
        }
        #expect(served, "no connection was served after one of the two closed")
        withExtendedLifetime((first, second)) {}
        await client.shutdown()
    }

    /// One client holding idle connections cannot take the whole connection cap: over its own
    /// cap it is answered 503 while `--max-connections` still has room; behind a trusted proxy,
    /// whose connections carry many clients, nothing is capped.
    @Test func aClientOverItsConnectionCapIsAnswered503AndTrustedProxiesAreExempt() async throws {
        let proxy = try await ProxyProcess.start(arguments: ["--max-connections-per-client", "3", "--rps", "1000", "--burst", "1000"])
        var held: [BlockingHTTPClient] = []
        for _ in 0..<3 {
            let connection = try BlockingHTTPClient(port: proxy.port)
            #expect(try await connection.get("/").status == 200)
            held.append(connection)
        }
        let refused = try await BlockingHTTPClient(port: proxy.port).exchange(raw: [])
        #expect(refused.status == 503)
        #expect(refused.header("Connection") == "close")
        #expect(proxy.lifecycleLog.contains(#""max_connections_per_client":"3""#))
        held.removeAll()

        let behindProxy = try await ProxyProcess.start(arguments: ["--max-connections-per-client", "1", "--trusted-proxies", "127.0.0.0/8", "--rps", "1000", "--burst", "1000"])
        for _ in 0..<4 {
            let connection = try BlockingHTTPClient(port: behindProxy.port)
            #expect(try await connection.get("/").status == 200)
            held.append(connection)
        }
        withExtendedLifetime(held) {}
    }

    /// A second proxy started on a port the first listens on exits saying so: with the engine's
    /// `SO_REUSEPORT` listeners it used to start, and the kernel split the clients between the two.
    @Test func aSecondProxyOnATakenPortExitsSayingItIsInUse() async throws {
        let first = try await ProxyProcess.start()
        for (listen, admin) in [(first.port, try RedisServerProcess.freeLoopbackPort()), (try RedisServerProcess.freeLoopbackPort(), first.adminPort)] {
            let (status, message) = try await ProxyProcess.run(arguments: ["--listen", "127.0.0.1:\(listen)", "--admin", "127.0.0.1:\(admin)"])
            #expect(status == 1)
            #expect(message.contains("Address already in use"), "\(message)")
        }
        #expect(try await BlockingHTTPClient(port: first.port).get("/").status == 200)
    }

    @Test func adminEndpointsAnswer() async throws {
        let proxy = try await ProxyProcess.start()
        let client = HTTPClient(eventLoopGroup: group)
        #expect(try await get(client, port: proxy.adminPort, path: "/healthz").status == 200)
        #expect(try await get(client, port: proxy.adminPort, path: "/readyz").body.contains(#""ready":true"#))
        let explained = try await get(client, port: proxy.adminPort, path: "/explain?address=192.0.2.9&path=/x").body
        #expect(explained.contains(#""key":"ip:192.0.2.9""#) && explained.contains(#""capacity":5"#))
        _ = try await get(client, port: proxy.port)
        let metrics = try await get(client, port: proxy.adminPort, path: "/metrics").body
        #expect(metrics.contains(#"ratelimit_decisions_total{outcome="allowed",path="store"} 1"#))
        // The proxy's whole /metrics, its own families included, judged by Prometheus's tool.
        if PromTool.shouldRun {
            let (status, output) = try await onOwnThread { Result { try PromTool.checkMetrics(metrics) } }.get()
            #expect(status == 0, "promtool check metrics: \(output)")
        }
        await client.shutdown()
    }
}
