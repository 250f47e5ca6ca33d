import Foundation
import Glibc
import TestSupport
@testable import ReverseProxy

/// A raw-socket backend that reads each request head (and `bodyBytes` more) and then closes
/// without answering, as a backend crashing mid-request does, or after sending `reply` (a
/// malformed response, say). Counts the requests it saw.
final class ClosingBackend: Sendable {
    let port: UInt16
    private let listener: Int32
    private let requestCount = Mutexed(0)

    init(bodyBytes: Int, reply: [UInt8] = []) throws {
        let (listener, port) = try LoopbackSocket.bind(listeningWith: 16)
        self.listener = listener
        self.port = port
        let requestCount = requestCount
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                var received: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while true {
                    if let end = received.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound, received.count - end >= bodyBytes { break }
                    let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                    guard count > 0 else { break }
                    received += chunk[0..<count]
                }
                if !received.isEmpty {
                    requestCount.withLock { $0 += 1 }
                    if !reply.isEmpty { _ = reply.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } }
                }
                close(connection)
            }
        }.start()
    }

    var requests: Int { requestCount.withLock { $0 } }

    var backend: Backend { Backend(host: "127.0.0.1", port: port) }

    /// Stops accepting (the accepting thread ends).
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
