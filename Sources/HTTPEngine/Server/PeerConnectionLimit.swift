import IPAddressing

/// A cap on the connections one client may hold open at once (HAProxy's `src_conn_cur`, the
/// connection half of nginx's `limit_conn`): counted per IPv4 address and per IPv6 network (a
/// /64 by default, which one host usually owns whole), except for peers it exempts.
///
/// Why a server needs it besides `maxConnections`: a request rate limit spends nothing on an idle
/// connection, so one client could open every connection the server allows and hold each until
/// its time-out, and reopen them, while everyone else is answered 503.
public struct PeerConnectionLimit: Sendable {
    /// Connections one client may hold; one more is answered 503 and closed, as over `maxConnections`.
    public let maximum: Int
    /// Leading bits of an IPv6 peer's address that make one client.
    public let ipv6PrefixLength: Int
    /// Whether a peer is left uncounted: a load balancer or proxy in front, whose connections carry many clients.
    public let isExempt: @Sendable (IPAddress) -> Bool

    /// Traps when `maximum` is below 1 or `ipv6PrefixLength` is not in 1...128: a configuration
    /// mistake, caught where the configuration is read.
    public init(maximum: Int, ipv6PrefixLength: Int = 64, isExempt: @escaping @Sendable (IPAddress) -> Bool = { _ in false }) {
        precondition(maximum >= 1, "PeerConnectionLimit: maximum must be at least 1, got \(maximum)")
        precondition((1...128).contains(ipv6PrefixLength), "PeerConnectionLimit: ipv6PrefixLength must be in 1...128, got \(ipv6PrefixLength)")
        self.maximum = maximum
        self.ipv6PrefixLength = ipv6PrefixLength
        self.isExempt = isExempt
    }

    /// What `peer` is counted as (its IPv4 address, or its IPv6 network as an address with the
    /// rest zeroed); nil when it is exempt. An IPv4 client reaching a dual-stack listener
    /// (`::ffff:a.b.c.d`) is that IPv4 client: `IPAddress` unwraps it.
    func client(of peer: SocketAddress) -> IPAddress? {
        guard let address = IPAddress(bytes: peer.addressBytes), !isExempt(address) else { return nil }
        return address.isIPv4 ? address : address.masked(toPrefixLength: ipv6PrefixLength)
    }
}

/// The open connections of each client, shared by every loop of a server (a lock taken once when
/// a connection opens and once when it closes, only when a limit is configured).
final class PeerConnectionCounts: Sendable {
    let limit: PeerConnectionLimit
    // `Locked`, not a bare `Mutex`: two loops closing connections at once hand the lock over in
    // the kernel, which ThreadSanitizer cannot see, and it reported their turns as a race.
    private let counts = Locked<[IPAddress: Int]>([:])

    init(limit: PeerConnectionLimit) {
        self.limit = limit
    }

    /// Counts a connection from `peer`; false, counting nothing, when its client holds the maximum.
    func open(from peer: SocketAddress) -> Bool {
        guard let client = limit.client(of: peer) else { return true }
        return counts.withLock { counts in
            let held = counts[client, default: 0]
            guard held < limit.maximum else { return false }
            counts[client] = held + 1
            return true
        }
    }

    /// Uncounts a connection `open(from:)` counted.
    func close(from peer: SocketAddress) {
        guard let client = limit.client(of: peer) else { return }
        counts.withLock { counts in
            // Removed at zero: a client that left takes no memory.
            guard let held = counts[client] else { return }
            counts[client] = held > 1 ? held - 1 : nil
        }
    }

    /// Clients holding at least one connection.
    var clientCount: Int {
        counts.withLock { $0.count }
    }
}
