import Glibc

/// A loopback port whose connects are never answered: a listener that never accepts, with its
/// accept queue full, so the kernel drops further SYNs and a connect waits for its time-out (or
/// the kernel's own, about two minutes).
///
/// Call `close()` when done; until then the port stays silent.
public final class BlackHoleListener: Sendable {
    /// The silent port on 127.0.0.1.
    public let port: UInt16
    private let descriptors: [Int32]

    public init() throws {
        // A backlog of 0 leaves room for one connection; the fillers take it.
        let (listener, port) = try LoopbackSocket.bind(listeningWith: 0)
        var descriptors = [listener]
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        for _ in 0..<3 {
            let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard filler >= 0 else {
                let errorNumber = errno
                for descriptor in descriptors { Glibc.close(descriptor) }
                throw LoopbackSocketError(call: "socket", errorNumber: errorNumber)
            }
            descriptors.append(filler)
            // Non-blocking: the later fillers' handshakes never finish, which is the point.
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        self.port = port
        self.descriptors = descriptors
    }

    /// Closes the listener and the fillers.
    public func close() {
        for descriptor in descriptors { Glibc.close(descriptor) }
    }
}
