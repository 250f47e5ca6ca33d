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
        (descriptor, port) = try LoopbackSocket.bind()
    }

    deinit {
        close(descriptor)
    }
}
