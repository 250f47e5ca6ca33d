import IPAddressing

extension RedisAddress {
    /// Longest address text accepted; a URL with a long password fits many times over.
    public static let maxTextLength = 2048

    /// Parses `host`, `host:port`, `[v6]:port` or `redis://[user[:password]@]host[:port][/db]`.
    ///
    /// The port defaults to 6379 and the database to 0. User and password may be percent-encoded.
    public init(_ text: String) throws(RedisAddressError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= Self.maxTextLength else { throw .tooLong(limit: Self.maxTextLength) }
        // Refused everywhere, password included: never intended, and a line break in a logged value forges log lines.
        guard bytes.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { throw .invalidCharacter }
        guard let separator = Self.range(of: Array("://".utf8), in: bytes[...]) else {
            guard !bytes.contains(UInt8(ascii: "@")) else { throw .credentialsWithoutScheme }
            let (host, port) = try Self.parseHostAndPort(bytes[...])
            self.init(host: host, port: port)
            return
        }
        guard String(decoding: bytes[..<separator.lowerBound], as: UTF8.self).lowercased() == "redis" else { throw .unsupportedScheme }
        try self.init(urlRemainder: bytes[separator.upperBound...])
    }

    /// Everything after `redis://`.
    private init(urlRemainder: ArraySlice<UInt8>) throws(RedisAddressError) {
        var rest = urlRemainder
        var username: String?
        var password: String?
        // User information runs to the last `@`, not to the first `/` as a generic URL parser
        // splits: then a password with an unencoded `/`, `@` or `:` still parses, instead of being
        // cut in two and its tail read as a host.
        if let at = rest.lastIndex(of: UInt8(ascii: "@")) {
            let userInformation = rest[..<at]
            rest = rest[(at + 1)...]
            if let colon = userInformation.firstIndex(of: UInt8(ascii: ":")) {
                username = try Self.percentDecoded(userInformation[..<colon])
                password = try Self.percentDecoded(userInformation[(colon + 1)...])
            } else {
                username = try Self.percentDecoded(userInformation)
            }
            // `redis://:secret@host` is the password-only form of Redis before ACLs: no user.
            if username?.isEmpty == true { username = nil }
            if password?.isEmpty == true { password = nil }
        }
        guard !rest.contains(UInt8(ascii: "?")), !rest.contains(UInt8(ascii: "#")) else { throw .unsupportedQuery }
        let pathStart = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
        let (host, port) = try Self.parseHostAndPort(rest[..<pathStart])
        let path = rest[pathStart...].dropFirst()
        let database = path.isEmpty ? 0 : try Self.parseNumber(path, maxDigits: 10, range: 0...Int(Int32.max), error: .invalidDatabase)
        self.init(host: host, port: port, username: username, password: password, database: database)
    }

    private static func parseHostAndPort(_ text: ArraySlice<UInt8>) throws(RedisAddressError) -> (String, UInt16) {
        guard let first = text.first else { throw .missingHost }
        var host: String
        var portText: ArraySlice<UInt8>?
        if first == UInt8(ascii: "[") {
            guard let close = text.firstIndex(of: UInt8(ascii: "]")) else { throw .invalidIPv6 }
            let inner = text[(text.startIndex + 1)..<close]
            guard inner.contains(UInt8(ascii: ":")), let address = IPAddress(text: inner) else { throw .invalidIPv6 }
            host = address.description
            let after = text[(close + 1)...]
            if let colon = after.first {
                guard colon == UInt8(ascii: ":") else { throw .invalidPort }
                portText = after.dropFirst()
            }
        } else {
            let colons = text.indices.filter { text[$0] == UInt8(ascii: ":") }
            guard colons.count <= 1 else { throw .unbracketedIPv6 }
            let hostText = colons.first.map { text[..<$0] } ?? text
            portText = colons.first.map { text[($0 + 1)...] }
            host = try parseHostName(hostText)
        }
        guard let portText else { return (host, defaultPort) }
        let port = try parseNumber(portText, maxDigits: 5, range: 1...Int(UInt16.max), error: .invalidPort)
        return (host, UInt16(port))
    }

    /// A DNS name or dotted-quad IPv4 address, lower-cased.
    private static func parseHostName(_ text: ArraySlice<UInt8>) throws(RedisAddressError) -> String {
        guard !text.isEmpty else { throw .missingHost }
        guard text.count <= 253 else { throw .invalidHost }
        let isNameByte: (UInt8) -> Bool = { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"): true
            default: false
            }
        }
        guard text.allSatisfy(isNameByte) else { throw .invalidHost }
        // All digits and dots is an IPv4 address, and must be a valid one: `999.1.1.1` would
        // otherwise go to the resolver as a name and fail later with a vaguer message.
        if text.allSatisfy({ $0 == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            guard IPAddress(text: text) != nil else { throw .invalidHost }
        }
        return String(decoding: text, as: UTF8.self).lowercased()
    }

    /// Decimal digits only (no sign), at most `maxDigits` of them, within `range`.
    private static func parseNumber(_ text: ArraySlice<UInt8>, maxDigits: Int, range: ClosedRange<Int>, error: RedisAddressError) throws(RedisAddressError) -> Int {
        guard (1...maxDigits).contains(text.count) else { throw error }
        var value = 0
        for byte in text {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw error }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard range.contains(value) else { throw error }
        return value
    }

    /// Decodes `%XX` escapes; the result must be UTF-8.
    private static func percentDecoded(_ text: ArraySlice<UInt8>) throws(RedisAddressError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            guard text[index] == UInt8(ascii: "%") else {
                bytes.append(text[index])
                index += 1
                continue
            }
            guard index + 2 < text.endIndex, let high = hexValue(text[index + 1]), let low = hexValue(text[index + 2]) else {
                throw .invalidPercentEncoding
            }
            bytes.append(high << 4 | low)
            index += 3
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw .invalidPercentEncoding }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func range(of pattern: [UInt8], in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        guard bytes.count >= pattern.count else { return nil }
        for start in bytes.startIndex...(bytes.endIndex - pattern.count) where bytes[start..<(start + pattern.count)].elementsEqual(pattern) {
            return start..<(start + pattern.count)
        }
        return nil
    }
}
