import Foundation
import Testing

/// The binary's configuration from the outside: bad values exit 2 naming the field, value and
/// problem; `--check-config` validates without serving; the committed example file is valid.
@Suite(.serialized) struct ProxyConfigurationTests {
    @Test func aBadFlagExitsTwoNamingTheFlagAndTheValue() async throws {
        let (status, message) = try await ProxyProcess.run(arguments: ["--rps", "lots"])
        #expect(status == 2)
        #expect(message.contains("--rps") && message.contains("\"lots\"") && message.contains("requests per second"))
    }

    @Test func aBurstOnePastItsCeilingExitsTwoNamingTheFlag() async throws {
        let (status, message) = try await ProxyProcess.run(arguments: ["--check-config", "--burst", "1073741825"])
        #expect(status == 2)
        #expect(message.contains("--burst") && message.contains("from 1 to 1073741824"), "\(message)")
        let (atTheCeiling, _) = try await ProxyProcess.run(arguments: ["--check-config", "--burst", "1073741824"])
        #expect(atTheCeiling == 0)
    }

    /// The connection caps, the event loops and the IPv6 grouping: zero and one past the ceiling refused by flag, a
    /// word refused by variable, each naming where it came from; the ceiling itself accepted.
    @Test(arguments: [
        ("--max-connections", "MAX_CONNECTIONS", 1 << 20),
        ("--max-connections-per-client", "MAX_CONNECTIONS_PER_CLIENT", 1 << 20),
        ("--upstream-max-connections", "UPSTREAM_MAX_CONNECTIONS", 1 << 20),
        // One past the ceiling stands for a typo that would start that many threads.
        ("--event-loops", "EVENT_LOOPS", 1024),
        // Bits of an IPv6 address: 129 does not exist.
        ("--ipv6-prefix", "RATE_LIMIT_IPV6_PREFIX", 128),
    ])
    func aCountOutsideItsRangeExitsTwoNamingWhereItCameFrom(flag: String, variable: String, ceiling: Int) async throws {
        for value in ["0", "\(ceiling + 1)"] {
            let (status, message) = try await ProxyProcess.run(arguments: ["--check-config", flag, value])
            #expect(status == 2)
            #expect(message.contains(#"\#(flag) = "\#(value)": expected a whole number from 1 to \#(ceiling)"#), "\(message)")
        }
        let (variableStatus, variableMessage) = try await ProxyProcess.run(arguments: ["--check-config"], environment: [variable: "lots"])
        #expect(variableStatus == 2)
        #expect(variableMessage.contains(#"\#(variable) = "lots""#), "\(variableMessage)")
        #expect(try await ProxyProcess.run(arguments: ["--check-config", flag, "\(ceiling)"]).status == 0)
    }

    /// The four time-outs: zero and a word refused by flag, a word by variable, each naming where
    /// it came from; a fraction of a second and the file's form accepted.
    @Test(arguments: [
        ("--upstream-timeout", "UPSTREAM_TIMEOUT", "upstream"),
        ("--upstream-connect-timeout", "UPSTREAM_CONNECT_TIMEOUT", "upstreamConnect"),
        ("--client-header-timeout", "CLIENT_HEADER_TIMEOUT", "clientHeader"),
        ("--client-idle-timeout", "CLIENT_IDLE_TIMEOUT", "clientIdle"),
    ])
    func aTimeoutThatIsNoPositiveDurationExitsTwoNamingWhereItCameFrom(flag: String, variable: String, fileField: String) async throws {
        for value in ["0s", "soon"] {
            let (status, message) = try await ProxyProcess.run(arguments: ["--check-config", flag, value])
            #expect(status == 2)
            #expect(message.contains(#"\#(flag) = "\#(value)": not a positive duration"#), "\(message)")
        }
        let (variableStatus, variableMessage) = try await ProxyProcess.run(arguments: ["--check-config"], environment: [variable: "later"])
        #expect(variableStatus == 2)
        #expect(variableMessage.contains(#"\#(variable) = "later""#), "\(variableMessage)")
        #expect(try await ProxyProcess.run(arguments: ["--check-config", flag, "250ms"]).status == 0)
        let file = try temporaryFile(#"{"timeouts": {"\#(fileField)": "1.5s"}}"#)
        #expect(try await ProxyProcess.run(arguments: ["--check-config", "--config", file]).status == 0)
    }

    @Test func aBadEnvironmentVariableExitsTwoNamingTheVariable() async throws {
        let (status, message) = try await ProxyProcess.run(arguments: ["--check-config"], environment: ["RATE_LIMIT_BURST": "-3"])
        #expect(status == 2)
        #expect(message.contains("RATE_LIMIT_BURST") && message.contains("\"-3\""))
    }

    @Test func aBadVariableIsReportedEvenWhenAFlagOverridesIt() async throws {
        let file = try temporaryFile(#"{"anonymous": {"limits": [{"count": 7, "per": "1s"}]}}"#)
        // The variable is bad, the flag good: only the flag's value counts, so the file is fine too.
        let (status, message) = try await ProxyProcess.run(arguments: ["--check-config", "--config", file, "--burst", "9"], environment: ["RATE_LIMIT_BURST": "nine"])
        #expect(status == 2, "the environment is read before flags; a bad variable is reported even when a flag overrides it")
        #expect(message.contains("RATE_LIMIT_BURST"))
        let (goodStatus, _) = try await ProxyProcess.run(arguments: ["--check-config", "--config", file, "--burst", "9"], environment: ["RATE_LIMIT_BURST": "8"])
        #expect(goodStatus == 0)
    }

    @Test(arguments: [
        (#"{"routes": [{"path": "search"}]}"#, "routes[0].path"),
        (#"{"tiers": {"premium": {"limits": [{"count": 0, "per": "1s"}]}}}"#, "tiers.premium.limits[0].count"),
        (#"{"anonymous": {"limits": [{"count": 5, "per": "soon"}]}}"#, "anonymous.limits[0].per"),
        (#"{"listen": "localhost:80"}"#, "listen"),
        (#"{"apiKeys": {"sk_live_abcdef": "gold"}}"#, "tier \"gold\""),
        (#"{"stroe": {}}"#, "stroe"),
        (#"{"upstreams": ["https://api.example"]}"#, "https upstreams are not supported"),
        (#"{"routes": [{"path": "/x", "cost": 9, "limits": [{"count": 5, "per": "1s"}]}]}"#, "routes"),
        ("not json", "not valid JSON"),
        (#"{"routes": [{"path": "/x", "cost": true}]}"#, #"routes[0].cost = "#),
        (#"{"healthCheck": "/health"}"#, #"healthCheck = "/health": expected an object"#),
        (#"{"healthCheck": {"pth": "/x"}}"#, "healthCheck.pth"),
        (#"{"healthCheck": {"path": "health"}}"#, #"healthCheck.path = "health": a path starts with /"#),
        (#"{"healthCheck": {"path": "/a b"}}"#, #"healthCheck.path = "/a b""#),
        (#"{"healthCheck": {"interval": "0s"}}"#, #"healthCheck.interval = "0s": not a positive duration"#),
        (#"{"healthCheck": {"timeout": "never"}}"#, #"healthCheck.timeout = "never""#),
        (#"{"healthCheck": {"jitter": "-1s"}}"#, #"healthCheck.jitter = "-1s""#),
        (#"{"healthCheck": {"healthyThreshold": 0}}"#, #"healthCheck.healthyThreshold = "0": expected a whole number from 1 to 100"#),
        (#"{"healthCheck": {"unhealthyThreshold": 101}}"#, #"healthCheck.unhealthyThreshold = "101": expected a whole number from 1 to 100"#),
        (#"{"healthCheck": {"unhealthyThreshold": true}}"#, "healthCheck.unhealthyThreshold"),
        (#"{"routes": [{"path": "/x", "healthCheck": {}}]}"#, "routes[0].healthCheck"),
        (#"{"routes": [{"path": "/x", "backends": ["http://127.0.0.1:9"], "healthCheck": {"interval": "5 s"}}]}"#, #"routes[0].healthCheck.interval = "5 s""#),
        // One past each ceiling.
        (#"{"store": {"maxKeys": 67108865}}"#, #"store.maxKeys = "67108865": expected a whole number from 1 to 67108864"#),
        (#"{"maxConnections": 1048577}"#, #"maxConnections = "1048577": expected a whole number from 1 to 1048576"#),
        (#"{"maxConnections": 0}"#, "maxConnections"),
        (#"{"eventLoops": 1025}"#, #"eventLoops = "1025": expected a whole number from 1 to 1024"#),
        (#"{"eventLoops": 0}"#, "eventLoops"),
        (#"{"eventLoops": "2"}"#, "eventLoops"),
        (#"{"healthCheck": {"path": "/\#(String(repeating: "a", count: 1024))"}}"#, "healthCheck.path"),
        (#"{"anonymous": {"limits": [{"count": 1073741825, "per": "1s"}]}}"#, "anonymous.limits[0].count"),
        (#"{"ipv6PrefixLength": 129}"#, #"ipv6PrefixLength = "129": expected a whole number from 1 to 128"#),
        (#"{"maxConnectionsPerClient": 0}"#, "maxConnectionsPerClient"),
        (#"{"upstreamMaxConnections": 0}"#, #"upstreamMaxConnections = "0": expected a whole number from 1 to 1048576"#),
        (#"{"timeouts": "60s"}"#, #"timeouts = "60s": expected an object"#),
        (#"{"timeouts": {"upstreem": "1s"}}"#, "timeouts.upstreem"),
        (#"{"timeouts": {"upstream": 60}}"#, #"timeouts.upstream = "60": expected a string"#),
        (#"{"timeouts": {"clientIdle": "0s"}}"#, #"timeouts.clientIdle = "0s": not a positive duration"#),
        (#"{"timeouts": {"upstreamConnect": "2y"}}"#, "timeouts.upstreamConnect"),
        (#"{"timeouts": {"clientHeader": "-1s"}}"#, "timeouts.clientHeader"),
        // Four limits a policy at most: a tier's and a route's together stay within a store's eight.
        (#"{"tiers": {"gold": {"limits": [{"count": 1, "per": "1s"}, {"count": 2, "per": "2s"}, {"count": 3, "per": "3s"}, {"count": 4, "per": "4s"}, {"count": 5, "per": "5s"}]}}}"#, "a list of 1 to 4 limits"),
    ])
    func aBadFileExitsTwoNamingTheField(json: String, expected: String) async throws {
        let file = try temporaryFile(json)
        let (status, message) = try await ProxyProcess.run(arguments: ["--check-config", "--config", file])
        #expect(status == 2)
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains("abcdef"), "an API key must not be printed whole")
    }

    @Test(arguments: [
        #"{"healthCheck": {}}"#,
        #"{"healthCheck": {"path": "/status?deep=0", "interval": "250ms", "timeout": "1s", "healthyThreshold": 1, "unhealthyThreshold": 100, "jitter": "0"}}"#,
        #"{"upstreams": ["http://127.0.0.1:9"], "routes": [{"path": "/x", "backends": ["http://127.0.0.1:10"], "healthCheck": {"interval": "1m", "jitter": "0ms"}}]}"#,
    ])
    func aValidHealthCheckPassesTheCheck(json: String) async throws {
        let (status, message) = try await ProxyProcess.run(arguments: ["--check-config", "--config", try temporaryFile(json)])
        #expect(status == 0, "\(message)")
    }

    /// The Redis script counts in doubles, exact below 2^53: a limit whose capacity × window in
    /// microseconds reaches that would be counted inexactly, so the check refuses it for the
    /// Redis store, naming the limit, and passes it for memory; a limit just below passes.
    @Test func aLimitTooLargeForTheRedisScriptsArithmeticIsRefusedForTheRedisStoreOnly() async throws {
        // 1,000,000 per 30 days: 10^6 × 2.592 × 10^12 µs, far above 2^53 ≈ 9.007 × 10^15.
        let tooLarge = try temporaryFile(#"{"anonymous": {"limits": [{"count": 1000000, "per": "720h"}]}}"#)
        let (status, message) = try await ProxyProcess.run(arguments: ["--check-config", "--config", tooLarge, "--redis", "127.0.0.1:6379"])
        #expect(status == 2)
        #expect(message.contains("anonymous.limits[0]") && message.contains("2^53"), "\(message)")
        #expect(try await ProxyProcess.run(arguments: ["--check-config", "--config", tooLarge]).status == 0)
        // 100,000 per day: 10^5 × 8.64 × 10^10 µs = 8.64 × 10^15, just below.
        let justBelow = try temporaryFile(#"{"anonymous": {"limits": [{"count": 100000, "per": "24h"}]}}"#)
        let (belowStatus, belowMessage) = try await ProxyProcess.run(arguments: ["--check-config", "--config", justBelow, "--redis", "127.0.0.1:6379"])
        #expect(belowStatus == 0, "\(belowMessage)")
    }

    /// One is a whole number like any other: JSON numbers 0 and 1 also read as booleans on Linux.
    @Test(arguments: [
        #"{"anonymous": {"limits": [{"count": 1, "per": "1s"}]}}"#,
        #"{"anonymous": {"limits": [{"rps": 1, "burst": 1}]}, "routes": [{"path": "/x", "cost": 1}]}"#,
    ])
    func aCountOfOneIsValid(json: String) async throws {
        let (status, message) = try await ProxyProcess.run(arguments: ["--check-config", "--config", try temporaryFile(json)])
        #expect(status == 0, "\(message)")
    }

    /// As `--config <(envsubst < template.json)` hands a file over: `/dev/fd/63`, a pipe the shell
    /// fills. 2,000 keys make it about 70 KB, more than a pipe holds at once.
    // Read for its reported size, as before, the pipe was refused as "cannot be read".
    @Test func aConfigurationFromAPipeIsReadWhole() async throws {
        let keys = (1...2_000).map { #""key-\#($0)": "standard""# }.joined(separator: ",")
        let file = try temporaryFile(#"{"tiers": {"standard": {"limits": [{"rps": 10, "burst": 20}]}}, "apiKeys": {\#(keys)}}"#)
        let (status, message) = try await ProxyProcess.run(
            arguments: ["-c", #"exec "$0" --check-config --config <(cat "$1")"#, ProxyProcess.executablePath, file],
            executable: "/bin/bash"
        )
        #expect(status == 0, "\(message)")
    }

    /// Paths that are not a readable JSON file, each refused with exit 2 and what is wrong with it.
    @Test func aConfigurationPathThatIsNoFileGetsAClearError() async throws {
        let directory = try ProxyProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pipe = directory + "/nobody-writes"
        try #require(mkfifo(pipe, 0o600) == 0)
        let empty = directory + "/empty.json"
        try #require(FileManager.default.createFile(atPath: empty, contents: Data()))
        let cases = [
            ("/dev/zero", "is larger than 64 MiB"),
            (directory, "is a directory"),
            (directory + "/missing.json", "cannot be opened: No such file or directory"),
            (pipe, "is empty"),
            (empty, "is empty"),
        ]
        for (path, problem) in cases {
            let (status, message) = try await ProxyProcess.run(arguments: ["--check-config", "--config", path])
            #expect(status == 2, "\(path): \(message)")
            #expect(message.contains(#"--config = "\#(path)": \#(problem)"#), "\(path): \(message)")
        }
    }

    @Test func theExampleFileIsValid() async throws {
        let (status, message) = try await ProxyProcess.run(arguments: ["--check-config", "--config", exampleFilePath])
        #expect(status == 0, "\(message)")
    }

    @Test func helpListsEveryVariableTheSeedsUse() async throws {
        let help = try await ProxyProcess.runForOutput(arguments: ["--help"])
        for variable in ["BIND_ADDR", "LISTEN_ADDR", "UPSTREAM_URL", "DOWNSTREAM_URL", "RATE_LIMIT_RPS", "RATE_LIMIT_BURST", "BURST", "BUCKET_TTL", "REDIS_ADDR", "GRACEFUL_SHUTDOWN_TIMEOUT", "FAILURE_MODE"] {
            #expect(help.contains(variable), "--help does not mention \(variable)")
        }
    }
}

/// `Examples/rate-limit-proxy.json`, found from this source file's place in the repository.
let exampleFilePath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Examples/rate-limit-proxy.json").path
