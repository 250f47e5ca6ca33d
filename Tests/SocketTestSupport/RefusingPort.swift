import Glibc

/// A loopback port that refuses connections for as long as this lives: a socket bound to it that
/// never listens, so no other socket can take the port.
///
/// A stopped server's port refuses only until something else binds it, and the test targets run
/// in parallel in one process: a CI run's proxy test found a stage 3 test's server on its "refused"
/// port, got `200 hello`, and spent that test's budget. Keep the value alive for as long as the
/// port must refuse (`withExtendedLifetime`, or a use after the last connect).
public final class RefusingPort: Sendable {
    let descriptor: Int32
    /// The refusing port on 127.0.0.1.
    public let port: UInt16

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard descriptor >= 0, bound == 0, named == 0 else {
            let errorNumber = errno
            if descriptor >= 0 { close(descriptor) }
            throw RefusingPortError(errorNumber: errorNumber)
        }
        self.descriptor = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit {
        close(descriptor)
    }
}

/// `socket`, `bind` or `getsockname` failed with `errorNumber`.
public struct RefusingPortError: Error {
    public let errorNumber: Int32
}
