import HTTPEngine
import IPAddressing

/// Addresses of the engine's sockets as IP addresses, for keys and proxy checks.
extension IPAddress {
    /// The IP address of a socket peer or local address.
    ///
    /// Here rather than in `IPAddressing`, which knows nothing of the HTTP engine's sockets.
    public init(_ socketAddress: SocketAddress) {
        // SocketAddress guarantees 4 or 16 bytes, so this cannot fail.
        self.init(bytes: socketAddress.addressBytes)!
    }
}
