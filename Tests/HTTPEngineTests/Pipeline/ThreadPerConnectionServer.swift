import Foundation
import Glibc
@testable import HTTPEngine

/// A blocking TCP listener on 127.0.0.1 that serves each connection on its own thread, for test
/// servers that misbehave in ways an event loop would make awkward to write.
final class ThreadPerConnectionServer: Sendable {
    let port: UInt16
    private let listener: Int32

    init() throws {
        listener = try Socket.makeListener(address: SocketAddress(host: "127.0.0.1", port: 0)!, backlog: 16, reusePort: false)
        // The listener is non-blocking (made for epoll); this server blocks on purpose.
        _ = fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) & ~O_NONBLOCK)
        port = Socket.localAddress(listener)!.port
    }

    /// Accepts until `stop()`, calling `serve` on a new thread per connection; the connection is
    /// closed when `serve` returns.
    func start(serving serve: @escaping @Sendable (Int32) -> Void) {
        let listener = listener
        Thread {
            defer { close(listener) }
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                Thread {
                    defer { close(connection) }
                    serve(connection)
                }.start()
            }
        }.start()
    }

    /// Stops accepting; connections already open end when their clients close them.
    ///
    /// Only wakes the accepting thread, which closes the listener itself: closing it here would
    /// free its number while that thread may still be about to call `accept` on it, and the
    /// number, reused by another test's socket or epoll instance, would be accepted on or broken.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }
}
