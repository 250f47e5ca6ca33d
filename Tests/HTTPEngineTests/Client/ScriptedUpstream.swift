import Foundation
import Glibc
import TestSupport
import Synchronization
@testable import HTTPEngine

/// A raw-socket upstream for client tests: accepts on an ephemeral loopback port and
/// runs `script` on its own thread for each connection, with exact control over the bytes.
final class ScriptedUpstream: Sendable {
    let port: UInt16
    private let listener: Int32
    private let accepted = AcceptCounter()
    private let acceptThreadDone = ThreadGate()

    /// Connections accepted so far.
    var acceptCount: Int { accepted.count.load(ordering: .acquiring) }

    init(backlog: Int32 = 64, acceptsConnections: Bool = true, script: @escaping @Sendable (UpstreamConnection) throws -> Void) throws {
        let (listener, port) = try LoopbackSocket.bind(listeningWith: backlog)
        self.listener = listener
        self.port = port
        guard acceptsConnections else {
            acceptThreadDone.open()
            return
        }
        let accepted = accepted
        let done = acceptThreadDone
        let thread = Thread {
            defer { done.open() }
            while true {
                let descriptor = accept(listener, nil, nil)
                guard descriptor >= 0 else {
                    if errno == EINTR { continue }
                    return
                }
                accepted.count.add(1, ordering: .releasing)
                let connection = UpstreamConnection(descriptor: descriptor)
                let worker = Thread {
                    try? script(connection)
                    connection.close()
                }
                worker.start()
            }
        }
        thread.start()
    }

    /// Stops accepting (waking the blocked `accept`) and closes the listener.
    func stop() async {
        shutdown(listener, Int32(SHUT_RDWR))
        _ = try? await acceptThreadDone.wait()
        Glibc.close(listener)
    }
}

/// Counts accepted connections; a class so the accept thread can share the atomic.
final class AcceptCounter: Sendable {
    let count = Atomic<Int>(0)
}

/// A script that reads one request and never answers, opening `read` once it has the request
/// and `closed` when the client closes the connection (`nil`: just waits for that).
func neverAnswering(openingOnRead read: ThreadGate? = nil, openingOnClose closed: ThreadGate? = nil) -> @Sendable (UpstreamConnection) throws -> Void {
    { connection in
        _ = try connection.readRequest()
        read?.open()
        if connection.waitForClose() { closed?.open() }
    }
}

/// Runs `body` against a scripted upstream and always stops it.
func withScriptedUpstream(
    backlog: Int32 = 64,
    acceptsConnections: Bool = true,
    script: @escaping @Sendable (UpstreamConnection) throws -> Void,
    _ body: (ScriptedUpstream) async throws -> Void
) async throws {
    let upstream = try ScriptedUpstream(backlog: backlog, acceptsConnections: acceptsConnections, script: script)
    do {
        try await body(upstream)
    } catch {
        await upstream.stop()
        throw error
    }
    await upstream.stop()
}

/// Runs `body` with a client on the shared test loops and always shuts the client down.
///
/// The body runs on the first loop, as a proxy handler would: requests and body reads
/// then need no thread hop.
func withClient(
    configure: (inout HTTPClientConfiguration) -> Void = { _ in },
    _ body: (HTTPClient) async throws -> Void
) async throws {
    var configuration = HTTPClientConfiguration()
    configuration.connectTimeout = .seconds(60)
    configuration.responseTimeout = .seconds(60)
    configure(&configuration)
    let group = clientTestGroup.group
    let client = HTTPClient(eventLoopGroup: group, configuration: configuration)
    try await withTaskExecutorPreference(group.loops[0]) {
        do {
            try await body(client)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }
}

/// Runs `body` with a client allowed `maxConnections` connections to `upstream` and a queue of
/// `maxWaitingRequests` behind them, the loop it uses and a request to `upstream`.
func withCappedClient(
    to upstream: ScriptedUpstream,
    maxConnections: Int = 1,
    maxWaitingRequests: Int,
    queueTimeout: Duration = .seconds(60),
    _ body: (HTTPClient, EventLoop, HTTPClientRequest) async throws -> Void
) async throws {
    try await withClient(configure: {
        $0.maxConnectionsPerUpstream = maxConnections
        $0.maxWaitingRequests = maxWaitingRequests
        $0.connectTimeout = queueTimeout
    }) { client in
        try await body(client, client.eventLoopGroup.loops[0], HTTPClientRequest(host: "127.0.0.1", port: upstream.port))
    }
}
