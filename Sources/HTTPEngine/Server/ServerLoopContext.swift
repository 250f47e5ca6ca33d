import CLinuxSystem
import Glibc

/// The server's presence on one event loop: its listening socket and the
/// connections it accepted.
///
/// `@unchecked Sendable`: mutable state is touched only on `loop`'s thread;
/// the server reaches it through `loop.execute`.
final class ServerLoopContext: @unchecked Sendable {
    let loop: EventLoop
    let server: HTTPServer
    let configuration: HTTPServerConfiguration
    let handler: any HTTPHandler
    /// The listener's address; reused as every connection's local address unless it is a wildcard.
    let listenAddress: SocketAddress
    var listenerDescriptor: Int32
    var connections: [ObjectIdentifier: ServerConnection] = [:]
    var isShuttingDown = false
    var isAcceptPaused = false
    /// This loop's `Date` field, shared by its connections.
    let dateCache = HTTPDateCache()

    /// Response for connections over the cap, written best-effort before closing: status line, `Date`, the rest.
    static let overCapacityStatusLine: [UInt8] = Array("HTTP/1.1 503 Service Unavailable\r\n".utf8)
    static let overCapacityFields: [UInt8] = Array("Content-Length: 0\r\nConnection: close\r\n\r\n".utf8)

    init(loop: EventLoop, server: HTTPServer, listenerDescriptor: Int32, listenAddress: SocketAddress) {
        self.loop = loop
        self.server = server
        self.configuration = server.configuration
        self.handler = server.handler
        self.listenerDescriptor = listenerDescriptor
        self.listenAddress = listenAddress
    }

    func startAccepting() throws {
        try loop.register(fileDescriptor: listenerDescriptor, interest: .readable, handler: self)
    }

    /// Closes the listening socket; new connections to this loop are refused from now on.
    func stopAccepting() {
        isShuttingDown = true
        closeListener()
    }

    /// Stops accepting and closes idle connections; busy ones close after their response.
    func beginShutdown() {
        stopAccepting()
        for connection in Array(connections.values) { connection.beginShutdown() }
    }

    /// Drops every connection at once (shutdown deadline reached).
    func closeAllConnections() {
        closeListener()
        for connection in Array(connections.values) { connection.close() }
    }

    func closeListener() {
        guard listenerDescriptor >= 0 else { return }
        loop.deregister(fileDescriptor: listenerDescriptor)
        close(listenerDescriptor)
        listenerDescriptor = -1
    }

    func connectionClosed(_ connection: ServerConnection) {
        connections[ObjectIdentifier(connection)] = nil
        configuration.observer?.connectionClosed()
        server.connectionClosed(from: connection.origin.remoteAddress)
    }

    var isWildcardListener: Bool { listenAddress.addressBytes.allSatisfy { $0 == 0 } }
}

extension ServerLoopContext: EventLoopFileDescriptorHandler {
    /// Accepts a bounded batch so one busy listener cannot monopolise the loop.
    func readable() {
        for _ in 0..<64 {
            guard listenerDescriptor >= 0 else { return }
            var storage = sockaddr_storage()
            var length = socklen_t(0)
            let descriptor = cls_accept(listenerDescriptor, &storage, &length)
            if descriptor < 0 {
                let error = cls_errno()
                if error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM {
                    pauseAccepting()
                }
                return
            }
            accept(descriptor, peer: SocketAddress(storage))
        }
    }

    func accept(_ descriptor: Int32, peer: SocketAddress?) {
        guard !isShuttingDown, let peer else {
            close(descriptor)
            return
        }
        guard server.reserveConnectionSlot(for: peer) else {
            // Answering keeps the server's behaviour visible to clients instead of a silent reset.
            var response = Self.overCapacityStatusLine
            dateCache.appendField(to: &response)
            response.append(contentsOf: Self.overCapacityFields)
            _ = response.withUnsafeBytes { cls_send(descriptor, $0.baseAddress, $0.count) }
            close(descriptor)
            configuration.observer?.connectionRefused(from: peer)
            return
        }
        let local = isWildcardListener ? (Socket.localAddress(descriptor) ?? listenAddress) : listenAddress
        let connection = ServerConnection(loop: loop, context: self, remoteAddress: peer, localAddress: local)
        connections[ObjectIdentifier(connection)] = connection
        configuration.observer?.connectionOpened(from: peer)
        do {
            try connection.start(descriptor)
        } catch {
            connection.close()
        }
    }

    /// Out of descriptors: level-triggered epoll would spin, so stop listening for a moment.
    func pauseAccepting() {
        guard !isAcceptPaused, listenerDescriptor >= 0 else { return }
        isAcceptPaused = true
        try? loop.setInterest([], fileDescriptor: listenerDescriptor)
        loop.scheduleTimer(after: .milliseconds(100)) { [self] in
            isAcceptPaused = false
            guard listenerDescriptor >= 0 else { return }
            try? loop.setInterest(.readable, fileDescriptor: listenerDescriptor)
        }
    }

    func writable() {}

    func hangup() {}

    func loopDidExit() {
        isShuttingDown = true
        closeListener()
    }
}
