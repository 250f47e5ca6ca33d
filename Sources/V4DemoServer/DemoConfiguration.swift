import Foundation
import IPAddressing
import V4LongRunningLimiter

/// The demo's settings, read from environment variables with defaults a reader can start with.
struct DemoConfiguration {
    /// A variable that was set to something unusable; the message names it.
    struct InvalidSetting: Error, CustomStringConvertible {
        let variable: String
        let problem: String
        var description: String { "\(variable): \(problem)" }
    }

    var host = "127.0.0.1"
    var port = 8080
    var limit: BucketLimit
    var maximumKeyCount = KeyedRateLimiter<RateLimitKey, MonotonicClock>.defaultMaximumKeyCount
    var idleTime = Duration.seconds(60)
    /// The largest table the demo agrees to map: 2^28 keys, 4 GiB.
    static let largestKeyCount = 1 << 28
    var keySource = "ip"
    var keyExtractor: any RateLimitKeyExtractor = .clientAddress
    var response = RateLimitResponseConfiguration()

    /// Every variable the demo reads, with what it means, for `--help` and error messages.
    static let usage = """
        LISTEN_ADDR                   host:port to bind, [v6]:port for IPv6 (default 127.0.0.1:8080)
        RATE_LIMIT_CAPACITY           burst size per key (default 5)
        RATE_LIMIT_REFILL_PER_SECOND  tokens added per second (default 1)
        RATE_LIMIT_MAX_KEYS           most clients tracked at once, 16 bytes each; beyond it the least-loaded
                                      bucket of the new key's set is evicted (default 1048576)
        RATE_LIMIT_IDLE_SECONDS       forget a key whose bucket stayed full this long (default 60)
        RATE_LIMIT_KEY                ip | api-key | api-key-or-ip | bearer | ip-and-path (default ip)
        TRUSTED_PROXIES               comma-separated CIDRs whose X-Forwarded-For is believed (default none)
        RATE_LIMIT_HEADERS            legacy | ietf | both | none (default both)
        RATE_LIMIT_BODY               json | problem (default json)
        """

    /// Reads the settings from `environment`; throws naming the first bad variable.
    init(environment: [String: String]) throws(InvalidSetting) {
        if let listen = environment["LISTEN_ADDR"] {
            (host, port) = try Self.parseListenAddress(listen)
        }
        let capacity = try Self.integer(environment, "RATE_LIMIT_CAPACITY", default: 5)
        let rate = try Self.number(environment, "RATE_LIMIT_REFILL_PER_SECOND", default: 1)
        do {
            limit = try BucketLimit(capacity: capacity, refillRatePerSecond: rate)
        } catch {
            let variable = if case .invalidCapacity = error { "RATE_LIMIT_CAPACITY" } else { "RATE_LIMIT_REFILL_PER_SECOND" }
            throw InvalidSetting(variable: variable, problem: error.description)
        }
        maximumKeyCount = try Self.integer(environment, "RATE_LIMIT_MAX_KEYS", default: maximumKeyCount)
        guard maximumKeyCount > 0, maximumKeyCount <= Self.largestKeyCount else {
            throw InvalidSetting(variable: "RATE_LIMIT_MAX_KEYS", problem: "expected a whole number from 1 to \(Self.largestKeyCount), got \(maximumKeyCount)")
        }
        let idleSeconds = try Self.number(environment, "RATE_LIMIT_IDLE_SECONDS", default: 60)
        guard idleSeconds > 0, idleSeconds <= 86_400 * 365 else {
            throw InvalidSetting(variable: "RATE_LIMIT_IDLE_SECONDS", problem: "expected a number of seconds greater than 0 and at most a year, got \(idleSeconds)")
        }
        idleTime = .milliseconds(Int64((idleSeconds * 1000).rounded(.up)))
        var resolver = ClientAddressResolver.socketPeer
        if let proxies = environment["TRUSTED_PROXIES"] {
            do {
                resolver = ClientAddressResolver(trustedProxies: try IPNetwork.list(parsing: proxies))
            } catch {
                throw InvalidSetting(variable: "TRUSTED_PROXIES", problem: error.description)
            }
        }
        // The default /64 grouping cannot fail, so `try!` only guards a programming error.
        let byAddress = try! ClientAddressKeyExtractor(resolver: resolver)
        keySource = environment["RATE_LIMIT_KEY"] ?? "ip"
        switch keySource {
        case "ip": keyExtractor = byAddress
        case "api-key": keyExtractor = .apiKey()
        case "api-key-or-ip": keyExtractor = .firstAvailable(.apiKey(), byAddress)
        case "bearer": keyExtractor = .bearerToken()
        case "ip-and-path": keyExtractor = .clientAddressAndPath(byAddress)
        default: throw InvalidSetting(variable: "RATE_LIMIT_KEY", problem: "expected ip, api-key, api-key-or-ip, bearer or ip-and-path, got \"\(keySource)\"")
        }
        switch environment["RATE_LIMIT_HEADERS"] ?? "both" {
        case "legacy": response.headerStyle = .legacy
        case "ietf": response.headerStyle = .ietf
        case "both": response.headerStyle = .both
        case "none": response.headerStyle = .omitted
        case let other: throw InvalidSetting(variable: "RATE_LIMIT_HEADERS", problem: "expected legacy, ietf, both or none, got \"\(other)\"")
        }
        switch environment["RATE_LIMIT_BODY"] ?? "json" {
        case "json": response.errorBodyFormat = .json
        case "problem": response.errorBodyFormat = .problemDetails
        case let other: throw InvalidSetting(variable: "RATE_LIMIT_BODY", problem: "expected json or problem, got \"\(other)\"")
        }
    }

    private static func parseListenAddress(_ text: String) throws(InvalidSetting) -> (String, Int) {
        let fail = InvalidSetting(variable: "LISTEN_ADDR", problem: "expected host:port such as 127.0.0.1:8080 or [::1]:8080, got \"\(text)\"")
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw fail
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard host == "localhost" || IPAddress(host) != nil else { throw fail }
        return (host, port)
    }

    private static func integer(_ environment: [String: String], _ variable: String, default value: Int) throws(InvalidSetting) -> Int {
        guard let text = environment[variable] else { return value }
        guard let parsed = Int(text) else { throw InvalidSetting(variable: variable, problem: "expected a whole number, got \"\(text)\"") }
        return parsed
    }

    private static func number(_ environment: [String: String], _ variable: String, default value: Double) throws(InvalidSetting) -> Double {
        guard let text = environment[variable] else { return value }
        guard let parsed = Double(text) else { throw InvalidSetting(variable: variable, problem: "expected a number, got \"\(text)\"") }
        return parsed
    }
}
