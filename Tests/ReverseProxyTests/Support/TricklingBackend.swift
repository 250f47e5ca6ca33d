import Foundation
import Glibc
import TestSupport
@testable import ReverseProxy

/// A raw-socket backend that reads each request head and then sends `prefix` and `unit` after
/// `unit` every `interval`, until the connection closes or `stop()`: a backend that keeps a
/// response head from ever completing (interim 1xx responses without end, or a head trickled a
/// byte at a time), each byte a sign of life to a time-out that only measures silence.
final class TricklingBackend: Sendable {
    let port: UInt16
    private let listener: Int32
    private let isStopped = Mutexed(false)

    init(prefix: [UInt8] = [], unit: [UInt8], interval: Duration) throws {
        let (listener, port) = try LoopbackSocket.bind(listeningWith: 16)
        self.listener = listener
        self.port = port
        let isStopped = isStopped
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                Thread {
                    defer { close(connection) }
                    var received: [UInt8] = []
                    var chunk = [UInt8](repeating: 0, count: 4096)
                    while received.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
                        let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                        guard count > 0 else { return }
                        received += chunk[0..<count]
                    }
                    var next = prefix
                    while !isStopped.withLock({ $0 }) {
                        next += unit
                        let sent = next.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                        guard sent == next.count else { return }
                        next = []
                        Thread.sleep(forTimeInterval: Double(interval.components.attoseconds) / 1e18 + Double(interval.components.seconds))
                    }
                }.start()
            }
        }.start()
    }

    var backend: Backend { Backend(host: "127.0.0.1", port: port) }

    /// Stops accepting and ends every trickle at its next step.
    func stop() {
        isStopped.withLock { $0 = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
