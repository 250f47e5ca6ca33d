import IPAddressing

/// Parsers for the textual values flags, environment variables and the JSON file share.
enum ConfigurationParsing {
    /// `500ms`, `10s`, `5m`, `1h`, or a plain number of seconds (`2.5`); positive.
    static func duration(_ text: String, field: String) throws(ConfigurationError) -> Duration {
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.seconds
            break
        }
        guard let value = Double(number), value.isFinite, value > 0, value * scale <= 86_400 * 365 else {
            throw ConfigurationError(field: field, value: text, problem: "not a positive duration like 500ms, 10s, 5m or 1h (at most a year)")
        }
        return .milliseconds(Int64((value * scale * 1000).rounded(.up)))
    }

    /// `host:port` or `[v6]:port` with a numeric host; the port 1–65535 (0 for "any free port").
    static func listenAddress(_ text: String, field: String) throws(ConfigurationError) -> (host: String, port: UInt16) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") {
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            throw ConfigurationError(field: field, value: text, problem: "expected host:port, e.g. 127.0.0.1:8080 or [::1]:8080")
        }
        guard IPAddress(String(host)) != nil else {
            throw ConfigurationError(field: field, value: text, problem: "the host must be a numeric IPv4 or IPv6 address (0.0.0.0 for every interface)")
        }
        guard let port = UInt16(portText) else {
            throw ConfigurationError(field: field, value: text, problem: "the port must be a number from 0 to 65535")
        }
        return (String(host), port)
    }

    /// `http://host:port` (path ignored), the form of `UPSTREAM_URL`; `https` is refused.
    static func upstream(_ text: String, field: String) throws(ConfigurationError) -> (host: String, port: UInt16) {
        guard text.hasPrefix("http://") else {
            let problem = text.hasPrefix("https://")
                ? "https upstreams are not supported (the engine speaks plain HTTP/1.1; terminate TLS in front of the backend)"
                : "expected http://host:port"
            throw ConfigurationError(field: field, value: text, problem: problem)
        }
        let rest = text.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        var host = Substring(authority)
        var port: UInt16 = 80
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let parsed = UInt16(after.dropFirst()), parsed > 0 else {
                    throw ConfigurationError(field: field, value: text, problem: "the port must be a number from 1 to 65535")
                }
                port = parsed
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let parsed = UInt16(authority[authority.index(after: colon)...]), parsed > 0 else {
                throw ConfigurationError(field: field, value: text, problem: "the port must be a number from 1 to 65535")
            }
            port = parsed
        }
        guard !host.isEmpty, !host.contains("@") else {
            throw ConfigurationError(field: field, value: text, problem: "expected http://host:port with a host")
        }
        return (String(host), port)
    }

    /// A positive whole number.
    static func positiveInteger(_ text: String, field: String, maximum: Int = 1 << 30) throws(ConfigurationError) -> Int {
        guard let value = Int(text), value > 0, value <= maximum else {
            throw ConfigurationError(field: field, value: text, problem: "expected a whole number from 1 to \(maximum)")
        }
        return value
    }

    /// A positive rate, possibly fractional (`0.5` per second).
    static func rate(_ text: String, field: String) throws(ConfigurationError) -> Double {
        guard let value = Double(text), value.isFinite, value > 0, value <= 1e9 else {
            throw ConfigurationError(field: field, value: text, problem: "expected a positive number of requests per second, at most 1e9")
        }
        return value
    }
}
