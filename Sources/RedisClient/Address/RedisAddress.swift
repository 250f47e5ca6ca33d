/// Where a Redis server is and how to log in: host, port, optional user and password, database.
///
/// Parsed from `host:port`, `[v6]:port` or `redis://[user:password@]host[:port][/db]` (the form
/// of `REDIS_ADDR`); see `init(_:)`. The password is kept out of every rendering of the address:
/// `description`, `debugDescription` and reflection (`dump`, `String(reflecting:)`) show `***`,
/// because an address ends up in error text and logs, and a log is no place for a credential.
public struct RedisAddress: Sendable, Hashable {
    /// The port Redis listens on unless told otherwise.
    public static let defaultPort: UInt16 = 6379

    /// A host name, IPv4 address, or IPv6 address without brackets.
    public var host: String
    public var port: UInt16
    /// The ACL user for `AUTH user password`; nil means Redis's `default` user.
    public var username: String?
    /// The password for `AUTH`; nil when the server needs none.
    public var password: String?
    /// The database index selected with `SELECT` after connecting.
    public var database: Int

    public init(host: String, port: UInt16 = defaultPort, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }
}

extension RedisAddress: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The address as a `redis://` URL with the password replaced by `***`.
    public var description: String {
        var text = "redis://"
        if username != nil || password != nil {
            text += username ?? ""
            if password != nil { text += ":***" }
            text += "@"
        }
        // An IPv6 address needs its brackets back, or its colons would run into the port's.
        text += host.contains(":") ? "[\(host)]" : host
        return text + ":\(port)/\(database)"
    }

    /// The same masked URL: a debug rendering is still a rendering that reaches logs.
    public var debugDescription: String { description }

    /// Fields for `dump` and debuggers, with the password masked.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "host": host,
            "port": port,
            "username": username as Any,
            "password": (password == nil ? nil : "***") as Any,
            "database": database,
        ], displayStyle: .struct)
    }
}
