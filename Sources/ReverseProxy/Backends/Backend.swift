/// One upstream server of a pool: where to connect and its share of the traffic.
public struct Backend: Sendable, Hashable, CustomStringConvertible {
    /// A numeric IP, `localhost` or a host name (resolved by the engine's client, answers cached).
    public var host: String
    public var port: UInt16
    /// Relative share in weighted round-robin: a backend of weight 3 gets three requests
    /// for every one a backend of weight 1 gets. 1...1000.
    public var weight: Int

    public init(host: String, port: UInt16, weight: Int = 1) {
        self.host = host
        self.port = port
        self.weight = weight
    }

    /// `host:port`, with brackets around an IPv6 literal; also the `Host` value when it is rewritten.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static let weights = 1...1000

    func validate() throws(ReverseProxyConfigurationError) {
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) else {
            throw .invalidField("backend host", "\"\(host)\" is not a host name or IP address")
        }
        guard port > 0 else { throw .invalidField("backend port", "\(description): port 0 cannot be connected to") }
        guard Self.weights.contains(weight) else {
            throw .invalidField("backend weight", "\(description): \(weight) is outside \(Self.weights)")
        }
    }
}
