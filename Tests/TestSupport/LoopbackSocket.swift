import Glibc

/// TCP sockets on an ephemeral 127.0.0.1 port: the start of every raw-socket peer the tests
/// script, and of `RefusingPort`.
public enum LoopbackSocket {
    /// A close-on-exec socket bound to 127.0.0.1 on a port the kernel picks, listening with
    /// `backlog` when one is given; its descriptor and port. Throws with nothing left open.
    public static func bind(listeningWith backlog: Int32? = nil) throws(LoopbackSocketError) -> (descriptor: Int32, port: UInt16) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw LoopbackSocketError(call: "socket", errorNumber: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let isBound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, length) == 0 }
        }
        let failedCall: String? = if !isBound {
            "bind"
        } else if let backlog, listen(descriptor, backlog) != 0 {
            "listen"
        } else if withUnsafeMutablePointer(to: &address, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }) != 0 {
            "getsockname"
        } else {
            nil
        }
        if let failedCall {
            let errorNumber = errno
            close(descriptor)
            throw LoopbackSocketError(call: failedCall, errorNumber: errorNumber)
        }
        return (descriptor, UInt16(bigEndian: address.sin_port))
    }
}

/// The system call `call` failed with `errorNumber`.
public struct LoopbackSocketError: Error, CustomStringConvertible {
    public let call: String
    public let errorNumber: Int32

    public var description: String { "\(call) failed: \(String(cString: strerror(errorNumber)))" }
}
