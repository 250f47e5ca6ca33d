import Foundation
import Glibc
import Synchronization

/// A loopback server that speaks just enough RESP to misbehave: on its `n`th connection it
/// answers every command with `replies(n)`. For what a real `redis-server` never does (a reply
/// the decoder must refuse); everything else in these tests talks to the real one.
final class HostileRedisPeer: Sendable {
    let port: UInt16
    private let listener: Int32
    private let accepted = Atomic<Int>(0)
    /// Signalled when the accepting thread has returned, so the listener is closed only after:
    /// closed while that thread could still call `accept`, its descriptor number could meanwhile
    /// belong to another test's socket.
    private let acceptingEnded = DispatchSemaphore(value: 0)

    /// Connections accepted so far.
    var connectionCount: Int { accepted.load(ordering: .acquiring) }

    init(replies: @escaping @Sendable (_ connection: Int) -> [UInt8]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        guard listener >= 0, bound == 0, named == 0, listen(listener, 16) == 0 else {
            if listener >= 0 { close(listener) }
            throw HostileRedisPeerError(errorNumber: errno)
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        let peer = self
        Thread {
            defer { peer.acceptingEnded.signal() }
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                let number = peer.accepted.add(1, ordering: .acquiringAndReleasing).newValue - 1
                let reply = replies(number)
                Thread {
                    defer { close(connection) }
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    // Every read is taken as one command: enough for a client that waits for each reply.
                    while buffer.withUnsafeMutableBytes({ recv(connection, $0.baseAddress, $0.count, 0) }) > 0 {
                        let sent = reply.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                        if sent < 0 { return }
                    }
                }.start()
            }
        }.start()
    }

    /// Stops accepting; connections already open end when their client closes them.
    func stop() {
        // Wakes the blocked `accept`, which then fails and ends the accepting thread.
        shutdown(listener, Int32(SHUT_RDWR))
        acceptingEnded.wait()
        close(listener)
    }
}

struct HostileRedisPeerError: Error {
    let errorNumber: Int32
}
