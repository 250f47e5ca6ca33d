import Synchronization

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
    public let isExempt: @Sendable (SocketAddress) -> Bool

    /// Traps when `maximum` is below 1 or `ipv6PrefixLength` is not in 1...128: a configuration
    /// mistake, caught where the configuration is read.
    public init(maximum: Int, ipv6PrefixLength: Int = 64, isExempt: @escaping @Sendable (SocketAddress) -> Bool = { _ in false }) {
        precondition(maximum >= 1, "PeerConnectionLimit: maximum must be at least 1, got \(maximum)")
        precondition((1...128).contains(ipv6PrefixLength), "PeerConnectionLimit: ipv6PrefixLength must be in 1...128, got \(ipv6PrefixLength)")
        self.maximum = maximum
        self.ipv6PrefixLength = ipv6PrefixLength
        self.isExempt = isExempt
    }

    /// What `peer` is counted as; nil when it is exempt.
    func client(of peer: SocketAddress) -> PeerClient? {
        guard !isExempt(peer) else { return nil }
        let bytes = peer.addressBytes
        // An IPv4 client reaching a dual-stack listener arrives as ::ffff:a.b.c.d: the same client.
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return PeerClient(high: 0, low: Self.word(bytes[12..<16]), isIPv6: false)
        }
        guard bytes.count == 16 else { return PeerClient(high: 0, low: Self.word(bytes[...]), isIPv6: false) }
        let high = Self.word(bytes[0..<8]), low = Self.word(bytes[8..<16])
        let highBits = min(ipv6PrefixLength, 64), lowBits = max(ipv6PrefixLength - 64, 0)
        return PeerClient(
            high: highBits == 64 ? high : high & ~(UInt64.max >> highBits),
            low: lowBits == 0 ? 0 : lowBits == 64 ? low : low & ~(UInt64.max >> lowBits),
            isIPv6: true
        )
    }

    private static func word(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// One client as `PeerConnectionLimit` counts it: an IPv4 address or an IPv6 network.
struct PeerClient: Hashable, Sendable {
    let high: UInt64
    let low: UInt64
    let isIPv6: Bool
}

/// The open connections of each client, shared by every loop of a server (a lock taken once when
/// a connection opens and once when it closes, only when a limit is configured).
final class PeerConnectionCounts: Sendable {
    let limit: PeerConnectionLimit
    private let counts = Mutex<[PeerClient: Int]>([:])

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
