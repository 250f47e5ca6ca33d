import CLinuxSystem
import Glibc

/// Thin wrappers over socket system calls used by the server (and the upstream client).
public enum Socket {
    /// Creates a non-blocking listening socket bound to `address`; `reusePort` lets
    /// several loops bind the same port so the kernel spreads connections over them.
    public static func makeListener(address: SocketAddress, backlog: Int32, reusePort: Bool) throws -> Int32 {
        let descriptor = cls_tcp_socket(address.family == .inet ? AF_INET : AF_INET6)
        guard descriptor >= 0 else { throw SystemError("socket") }
        do {
            guard cls_set_int_option(descriptor, SOL_SOCKET, SO_REUSEADDR, 1) == 0 else { throw SystemError("setsockopt(SO_REUSEADDR)") }
            if reusePort {
                guard cls_set_int_option(descriptor, SOL_SOCKET, SO_REUSEPORT, 1) == 0 else { throw SystemError("setsockopt(SO_REUSEPORT)") }
            }
            let result = address.withSocketAddress { bind(descriptor, $0, $1) }
            guard result == 0 else { throw SystemError("bind(\(address))") }
            guard listen(descriptor, backlog) == 0 else { throw SystemError("listen") }
            return descriptor
        } catch {
            close(descriptor)
            throw error
        }
    }

    /// Throws `EADDRINUSE` when a socket is already bound to `address`, however it was bound.
    ///
    /// What `SO_REUSEPORT` hides: a listener made with it joins any other socket on the port that
    /// has it too (any process of the same user), and the kernel then splits the connections
    /// between them without a word. A socket bound without the option conflicts with them all,
    /// so binding one first, and closing it, finds the port taken as a plain bind would.
    public static func checkIsFree(_ address: SocketAddress) throws {
        let descriptor = cls_tcp_socket(address.family == .inet ? AF_INET : AF_INET6)
        guard descriptor >= 0 else { throw SystemError("socket") }
        defer { close(descriptor) }
        // As the listeners do: a port held only by connections in TIME_WAIT is free.
        guard cls_set_int_option(descriptor, SOL_SOCKET, SO_REUSEADDR, 1) == 0 else { throw SystemError("setsockopt(SO_REUSEADDR)") }
        let result = address.withSocketAddress { bind(descriptor, $0, $1) }
        guard result == 0 else { throw SystemError("bind(\(address))") }
    }

    /// Starts a non-blocking connect; returns the socket and whether it completed at once
    /// (otherwise wait for writability, then check `pendingError`).
    public static func startConnect(to address: SocketAddress) throws -> (descriptor: Int32, isConnected: Bool) {
        let descriptor = cls_tcp_socket(address.family == .inet ? AF_INET : AF_INET6)
        guard descriptor >= 0 else { throw SystemError("socket") }
        _ = cls_set_int_option(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        let result = address.withSocketAddress { connect(descriptor, $0, $1) }
        if result == 0 { return (descriptor, true) }
        let error = cls_errno()
        // EINTR does not abort a connect: it carries on asynchronously, exactly like EINPROGRESS.
        guard error == EINPROGRESS || error == EINTR else {
            close(descriptor)
            throw SystemError("connect(\(address))", errorNumber: error)
        }
        return (descriptor, false)
    }

    /// The pending `SO_ERROR` of a socket (0 when a connect succeeded).
    public static func pendingError(_ descriptor: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return cls_errno() }
        return value
    }

    /// The address a socket is bound to.
    public static func localAddress(_ descriptor: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return result == 0 ? SocketAddress(storage) : nil
    }

    /// The address of the connected peer.
    public static func remoteAddress(_ descriptor: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(descriptor, $0, &length) }
        }
        return result == 0 ? SocketAddress(storage) : nil
    }

    /// Receives into `buffer` (a socket only): byte count, 0 at end of stream, nil when it would block; throws on errors.
    public static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int? {
        while true {
            let count = cls_receive(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            let error = cls_errno()
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return nil }
            throw SystemError("recv", errorNumber: error)
        }
    }

    /// Sends without SIGPIPE: bytes written, nil when it would block; throws on errors.
    public static func send(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) throws -> Int? {
        while true {
            let count = cls_send(descriptor, bytes.baseAddress, bytes.count)
            if count >= 0 { return count }
            let error = cls_errno()
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return nil }
            throw SystemError("send", errorNumber: error)
        }
    }

    /// Sends several buffers in one gathered write without SIGPIPE: bytes written, nil when it
    /// would block; throws on errors.
    static func send(_ descriptor: Int32, vectors: UnsafeBufferPointer<iovec>) throws -> Int? {
        while true {
            let count = cls_send_vector(descriptor, vectors.baseAddress, Int32(vectors.count))
            if count >= 0 { return count }
            let error = cls_errno()
            if error == EINTR { continue }
            if error == EAGAIN || error == EWOULDBLOCK { return nil }
            throw SystemError("sendmsg", errorNumber: error)
        }
    }
}
