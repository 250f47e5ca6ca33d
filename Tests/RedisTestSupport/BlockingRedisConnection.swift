import Glibc
import RedisClient

/// Errors from the blocking test connection.
public enum BlockingRedisConnectionError: Error {
    case connectFailed(errno: Int32)
    case sendFailed(errno: Int32)
    case timedOut
    case closedByServer
}

/// A minimal blocking loopback connection for tests: writes encoded commands, reads replies
/// through `RESPDecoder` with a deadline (poll with the time left, never a fixed sleep).
///
/// Deliberately not a client (that is `RedisConnectionPool`): it checks a server is up without
/// depending on the code under test.
public final class BlockingRedisConnection {
    private let descriptor: Int32
    private var decoder = RESPDecoder()
    private var receiveBuffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// Connects to 127.0.0.1:`port`.
    public init(port: UInt16) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            // No close here: every stored property is set, so `deinit` runs for this failed init
            // and closes the socket. Closing it here too closed whatever descriptor had taken the
            // number meanwhile — other tests' epoll instances and sockets (EBADF, EINVAL, refused
            // connections in unrelated suites, while servers were being polled for readiness).
            throw BlockingRedisConnectionError.connectFailed(errno: errno)
        }
    }

    deinit {
        close(descriptor)
    }

    /// Writes all of `bytes` in as few `send` calls as the kernel allows.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw BlockingRedisConnectionError.sendFailed(errno: errno) }
            offset += sent
        }
    }

    /// The next reply, decoded as bytes arrive; throws when `timeout` passes first.
    public func readReply(timeout: Duration = .seconds(60)) throws -> RESPValue {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let reply = try decoder.next() { return reply }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw BlockingRedisConnectionError.timedOut }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            guard poll(&poller, 1, milliseconds) > 0 else { continue }
            let received = receiveBuffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard received > 0 else { throw BlockingRedisConnectionError.closedByServer }
            decoder.feed(receiveBuffer[..<received])
        }
    }

    /// Sends one command and reads its reply.
    public func command(_ arguments: [String]) throws -> RESPValue {
        try send(RESPEncoder.command(arguments))
        return try readReply()
    }

    /// Sends one command with binary arguments and reads its reply.
    public func command(bytes arguments: [[UInt8]]) throws -> RESPValue {
        var buffer: [UInt8] = []
        RESPEncoder.encodeCommand(arguments, into: &buffer)
        try send(buffer)
        return try readReply()
    }
}
