import Foundation
import IPAddressing
import RedisClient
import V5ProductionLimiter

/// Reads the JSON configuration file; every error names the field's path (`routes[1].cost`).
extension ProxyConfiguration {
    static let fileFields: Set<String> = [
        "listen", "admin", "upstreams", "store", "anonymous", "tiers", "apiKeys", "apiKeyHeader",
        "routes", "responses", "trustedProxies", "ipv6PrefixLength", "gracefulShutdownTimeout", "maxConnections", "maxConnectionsPerClient", "eventLoops", "accessLog", "healthCheck",
        "timeouts", "upstreamMaxConnections",
    ]

    mutating func applyFile(at path: String) throws(ConfigurationError) {
        let data = try ConfigurationFile.contents(of: path)
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfigurationError(field: path, value: "(file)", problem: "not valid JSON: \(error.localizedDescription)")
        }
        guard let root = parsed as? [String: Any] else { throw ConfigurationError(field: path, value: "(file)", problem: "the top level must be an object") }
        try Self.refuseUnknown(root, known: Self.fileFields, at: "")
        if let value = root["listen"] { listen = try ConfigurationParsing.listenAddress(try Self.string(value, "listen"), field: "listen") }
        if let value = root["admin"] { admin = try ConfigurationParsing.listenAddress(try Self.string(value, "admin"), field: "admin") }
        if let value = root["upstreams"] { upstreams = try Self.backends(value, "upstreams") }
        if let value = root["healthCheck"] { healthCheck = try Self.healthCheck(value, "healthCheck") }
        if let value = root["apiKeyHeader"] { apiKeyHeader = try Self.string(value, "apiKeyHeader") }
        if let value = root["anonymous"] { anonymous = try Self.policy(value, "anonymous") }
        if let value = root["tiers"] {
            guard let object = value as? [String: Any] else { throw Self.wrongType(value, "tiers", "an object of tier name → policy") }
            var tiers: [String: PolicySpec] = [:]
            for (name, policy) in object {
                guard !name.isEmpty, name.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }) else {
                    throw ConfigurationError(field: "tiers", value: name, problem: "a tier name is lowercase letters, digits, - and _")
                }
                tiers[name] = try Self.policy(policy, "tiers.\(name)")
            }
            self.tiers = tiers
        }
        if let value = root["apiKeys"] {
            guard let object = value as? [String: Any] else { throw Self.wrongType(value, "apiKeys", "an object of API key → tier name") }
            var keys: [String: String] = [:]
            for (key, tier) in object {
                // The key itself is a secret: errors show its first four characters only.
                let field = "apiKeys[\"\(key.prefix(4))…\"]"
                keys[key] = try Self.string(tier, field)
            }
            apiKeys = keys
        }
        if let value = root["routes"] {
            guard let list = value as? [Any] else { throw Self.wrongType(value, "routes", "a list of routes") }
            routes = try list.enumerated().map { index, route throws(ConfigurationError) in try Self.route(route, "routes[\(index)]") }
        }
        if let value = root["store"] { try applyStore(value) }
        if let value = root["responses"] {
            guard let object = value as? [String: Any] else { throw Self.wrongType(value, "responses", "an object") }
            try Self.refuseUnknown(object, known: ["headers", "body"], at: "responses.")
            if let headers = object["headers"] { headerStyle = try Self.parseHeaderStyle(try Self.string(headers, "responses.headers"), field: "responses.headers") }
            if let body = object["body"] {
                switch try Self.string(body, "responses.body") {
                case "json": errorBodyFormat = .json
                case "problem": errorBodyFormat = .problemDetails
                case let other: throw ConfigurationError(field: "responses.body", value: other, problem: "expected json or problem")
                }
            }
        }
        if let value = root["trustedProxies"] {
            guard let list = value as? [Any] else { throw Self.wrongType(value, "trustedProxies", "a list of CIDRs") }
            trustedProxies = try list.enumerated().map { index, item throws(ConfigurationError) in
                let text = try Self.string(item, "trustedProxies[\(index)]")
                guard let network = IPNetwork(text) else { throw ConfigurationError(field: "trustedProxies[\(index)]", value: text, problem: "not a CIDR like 10.0.0.0/8") }
                return network
            }
        }
        if let value = root["ipv6PrefixLength"] { ipv6PrefixLength = try Self.integer(value, "ipv6PrefixLength", maximum: 128) }
        if let value = root["gracefulShutdownTimeout"] {
            gracefulShutdownTimeout = try ConfigurationParsing.duration(try Self.string(value, "gracefulShutdownTimeout"), field: "gracefulShutdownTimeout")
        }
        if let value = root["timeouts"] { try applyTimeouts(value) }
        if let value = root["maxConnections"] { maximumConnectionCount = try Self.integer(value, "maxConnections", maximum: Self.maximumConnectionCeiling) }
        if let value = root["maxConnectionsPerClient"] { maximumConnectionsPerClient = try Self.integer(value, "maxConnectionsPerClient", maximum: Self.maximumConnectionCeiling) }
        if let value = root["upstreamMaxConnections"] { upstreamMaximumConnections = try Self.integer(value, "upstreamMaxConnections", maximum: Self.maximumConnectionCeiling) }
        if let value = root["eventLoops"] { eventLoopCount = try Self.integer(value, "eventLoops", maximum: Self.maximumEventLoopCount) }
        if let value = root["accessLog"] {
            guard let flag = value as? Bool else { throw Self.wrongType(value, "accessLog", "true or false") }
            writesAccessLog = flag
        }
    }

    private mutating func applyStore(_ value: Any) throws(ConfigurationError) {
        guard let object = value as? [String: Any] else { throw Self.wrongType(value, "store", "an object") }
        try Self.refuseUnknown(object, known: ["redis", "failureMode", "timeout", "maxKeys", "keyPrefix"], at: "store.")
        if let redis = object["redis"] {
            let text = try Self.string(redis, "store.redis")
            do {
                store = .redis(try RedisAddress(text))
            } catch {
                throw ConfigurationError(field: "store.redis", value: "(not shown: may hold a password)", problem: "\(error)")
            }
        }
        if let mode = object["failureMode"] { failureMode = try Self.parseFailureMode(try Self.string(mode, "store.failureMode"), field: "store.failureMode") }
        if let timeout = object["timeout"] { storeTimeout = try ConfigurationParsing.duration(try Self.string(timeout, "store.timeout"), field: "store.timeout") }
        if let keys = object["maxKeys"] { maximumKeyCount = try Self.integer(keys, "store.maxKeys", maximum: 1 << 26) }
        if let prefix = object["keyPrefix"] { keyPrefix = try Self.string(prefix, "store.keyPrefix") }
    }

    static func policy(_ value: Any, _ field: String) throws(ConfigurationError) -> PolicySpec {
        guard let object = value as? [String: Any] else { throw wrongType(value, field, "an object with limits (and shadow)") }
        try refuseUnknown(object, known: ["limits", "shadow"], at: field + ".")
        guard let list = object["limits"] as? [Any], !list.isEmpty, list.count <= 4 else {
            throw ConfigurationError(field: field + ".limits", value: "\(object["limits"] ?? "missing")", problem: "a list of 1 to 4 limits")
        }
        let limits = try list.enumerated().map { index, item throws(ConfigurationError) in try limit(item, "\(field).limits[\(index)]") }
        var shadow = false
        if let value = object["shadow"] {
            guard let flag = value as? Bool else { throw wrongType(value, field + ".shadow", "true or false") }
            shadow = flag
        }
        return PolicySpec(limits: limits, isShadow: shadow)
    }

    static func limit(_ value: Any, _ field: String) throws(ConfigurationError) -> LimitSpec {
        guard let object = value as? [String: Any] else { throw wrongType(value, field, "an object like {\"count\": 10, \"per\": \"1s\"}") }
        try refuseUnknown(object, known: ["count", "per", "rps", "burst", "algorithm"], at: field + ".")
        var algorithm = RateLimit.Algorithm.tokenBucket
        if let name = object["algorithm"] {
            let text = try string(name, field + ".algorithm")
            guard let parsed = RateLimit.Algorithm(rawValue: text) else {
                throw ConfigurationError(field: field + ".algorithm", value: text, problem: "expected token_bucket or sliding_window")
            }
            algorithm = parsed
        }
        if let count = object["count"] {
            let capacity = try integer(count, field + ".count", maximum: 1 << 30)
            guard let per = object["per"] else { throw ConfigurationError(field: field + ".per", value: "", problem: "count needs per, e.g. \"1s\"") }
            let window = try ConfigurationParsing.duration(try string(per, field + ".per"), field: field + ".per")
            let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
            return LimitSpec(capacity: capacity, ratePerSecond: Double(capacity) / seconds, algorithm: algorithm)
        }
        guard let rps = object["rps"], let burst = object["burst"] else {
            throw ConfigurationError(field: field, value: "\(object)", problem: "give count and per, or rps and burst")
        }
        let rate: Double
        if let number = rps as? NSNumber { rate = try ConfigurationParsing.rate("\(number)", field: field + ".rps") } else { throw wrongType(rps, field + ".rps", "a number") }
        return LimitSpec(capacity: try integer(burst, field + ".burst", maximum: 1 << 30), ratePerSecond: rate, algorithm: algorithm)
    }

    static func route(_ value: Any, _ field: String) throws(ConfigurationError) -> RouteSpec {
        guard let object = value as? [String: Any] else { throw wrongType(value, field, "an object with path (and backends, healthCheck, cost, limits, shadow, host)") }
        try refuseUnknown(object, known: ["path", "host", "backends", "healthCheck", "cost", "limits", "shadow"], at: field + ".")
        guard let pathValue = object["path"] else { throw ConfigurationError(field: field + ".path", value: "", problem: "a route needs a path prefix") }
        let path = try string(pathValue, field + ".path")
        guard path.hasPrefix("/") else { throw ConfigurationError(field: field + ".path", value: path, problem: "a path prefix starts with /") }
        var route = RouteSpec(pathPrefix: path, host: try object["host"].map { value throws(ConfigurationError) in try string(value, field + ".host") }, backends: [])
        if let backends = object["backends"] { route.backends = try Self.backends(backends, field + ".backends") }
        if let check = object["healthCheck"] {
            guard !route.backends.isEmpty else {
                throw ConfigurationError(field: field + ".healthCheck", value: "\(check)", problem: "checks a route's own backends, and this route has none (it uses upstreams: set the top-level healthCheck)")
            }
            route.healthCheck = try healthCheck(check, field + ".healthCheck")
        }
        if let cost = object["cost"] { route.cost = try integer(cost, field + ".cost", maximum: 1 << 20) }
        if object["limits"] != nil {
            var policyObject: [String: Any] = ["limits": object["limits"]!]
            if let shadow = object["shadow"] { policyObject["shadow"] = shadow }
            route.policy = try policy(policyObject, field)
        }
        return route
    }

    static func backends(_ value: Any, _ field: String) throws(ConfigurationError) -> [(host: String, port: UInt16)] {
        guard let list = value as? [Any], !list.isEmpty else { throw wrongType(value, field, "a non-empty list of http://host:port") }
        return try list.enumerated().map { index, item throws(ConfigurationError) in
            try ConfigurationParsing.upstream(try string(item, "\(field)[\(index)]"), field: "\(field)[\(index)]")
        }
    }

    static func string(_ value: Any, _ field: String) throws(ConfigurationError) -> String {
        guard let text = value as? String else { throw wrongType(value, field, "a string") }
        return text
    }

    static func integer(_ value: Any, _ field: String, maximum: Int) throws(ConfigurationError) -> Int {
        // JSON booleans arrive as NSNumber too; a `true` is not a count. Told apart by the
        // number's type code ("c"), not `value is Bool`: that bridges any NSNumber 0 or 1, and
        // refused a count of 1.
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c", number.doubleValue == number.doubleValue.rounded(),
              number.intValue >= 1, number.intValue <= maximum
        else { throw ConfigurationError(field: field, value: "\(value)", problem: "expected a whole number from 1 to \(maximum)") }
        return number.intValue
    }

    static func wrongType(_ value: Any, _ field: String, _ expected: String) -> ConfigurationError {
        ConfigurationError(field: field, value: "\(value)", problem: "expected \(expected)")
    }

    static func refuseUnknown(_ object: [String: Any], known: Set<String>, at prefix: String) throws(ConfigurationError) {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw ConfigurationError(field: prefix + unknown, value: "\(object[unknown]!)", problem: "unknown field; expected one of \(known.sorted().joined(separator: ", "))")
        }
    }
}
