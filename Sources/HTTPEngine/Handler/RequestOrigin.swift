/// What every request on one connection shares: its two addresses, its loop and where handler
/// errors are reported. The server makes one per connection; each `HTTPRequest` refers to it.
///
/// Why not the four values in each request, as before: every copy of a request (the server
/// hands it on, a layer keeps it for a later answer) then retained each of them (the addresses'
/// byte arrays, the loop, the reporter's context) and copied some 100 bytes more; a proxy copies
/// each request several times. One reference is one retain.
final class RequestOrigin: Sendable {
    let remoteAddress: SocketAddress
    let localAddress: SocketAddress
    let eventLoop: EventLoop?
    let errorReporter: (@Sendable (any Error, HTTPRequestHead) -> Void)?

    init(remoteAddress: SocketAddress, localAddress: SocketAddress, eventLoop: EventLoop?, errorReporter: (@Sendable (any Error, HTTPRequestHead) -> Void)?) {
        self.remoteAddress = remoteAddress
        self.localAddress = localAddress
        self.eventLoop = eventLoop
        self.errorReporter = errorReporter
    }
}
