import Foundation
import Glibc
import TestSupport
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
        let (listener, port) = try LoopbackSocket.bind(listeningWith: 16)
        self.listener = listener
        self.port = port
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
