import Testing
@testable import HTTPEngine

/// Records every event it hears.
final class RecordingObserver: HTTPServerObserver, HTTPClientObserver {
    let events = Locked<[String]>([])

    func connectionOpened(from remoteAddress: SocketAddress) { record("opened") }
    func connectionClosed() { record("closed") }
    func connectionRefused(from remoteAddress: SocketAddress) { record("refused") }
    func requestFinished(_ head: HTTPRequestHead, status: HTTPStatus, duration: Duration) {
        record("finished \(head.path) \(status.code)")
    }
    func upstreamConnected(_ upstream: String) { record("connected") }
    func upstreamConnectFailed(_ upstream: String, error: HTTPEngineError) { record("connect failed") }
    func poolWaitEnded(_ upstream: String, duration: Duration) { record("waited") }

    var recorded: [String] { events.withLock { $0 } }
    private func record(_ event: String) { events.withLock { $0.append(event) } }
}

/// The observer hooks: the seam for metrics and access logs.
@Suite struct ObserverTests {
    @Test func serverObserverHearsConnectionsAndAnsweredRequests() async throws {
        let observer = RecordingObserver()
        let handler = HTTPClosureHandler { request in
            request.path == "/missing" ? HTTPResponse(status: .notFound) : HTTPResponse()
        }
        try await withTestServer(configure: { $0.observer = observer }, handler: handler) { _, port in
            let client = try RawClient(port: port)
            client.send("GET /present HTTP/1.1\r\nHost: t\r\n\r\nGET /missing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            try await blocking { () throws in
                #expect(try client.readResponse()?.status == 200)
                #expect(try client.readResponse()?.status == 404)
                #expect(client.waitForClose())
            }
            #expect(await waitUntil(deadline: .now + .seconds(10)) { observer.recorded.contains("closed") })
        }
        #expect(observer.recorded == ["opened", "finished /present 200", "finished /missing 404", "closed"])
    }

    @Test func aConnectionOverTheCapIsReportedRefusedAndNeitherOpenedNorClosed() async throws {
        let observer = RecordingObserver()
        try await withTestServer(configure: { $0.observer = observer; $0.maxConnections = 1; $0.loopCount = 1 }, handler: okHandler) { _, port in
            let held = try RawClient(port: port)
            try await blocking { () throws in
                held.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                #expect(try held.readResponse()?.status == 200)
                let excess = try RawClient(port: port)
                #expect(excess.waitForClose())
            }
            #expect(await waitUntil(deadline: .now + .seconds(10)) { observer.recorded.contains("refused") })
            withExtendedLifetime(held) {}
        }
        #expect(observer.recorded.filter { $0 != "finished / 200" } == ["opened", "refused", "closed"])
    }

    @Test func clientObserverHearsConnectsAndFailedConnects() async throws {
        let observer = RecordingObserver()
        let group = try EventLoopGroup(loopCount: 1)
        var configuration = HTTPClientConfiguration()
        configuration.observer = observer
        let client = HTTPClient(eventLoopGroup: group, configuration: configuration)
        try await withTestServer(handler: okHandler) { _, port in
            let response = try await client.execute(HTTPClientRequest(host: "127.0.0.1", port: port))
            _ = try await response.body.collect(upTo: 1024)
        }
        // The server is gone: its port now refuses.
        let closedPort = try await withFreePort()
        _ = try? await client.execute(HTTPClientRequest(host: "127.0.0.1", port: closedPort))
        await client.shutdown()
        await group.shutdown()
        #expect(observer.recorded == ["connected", "connect failed"])
    }
}

/// A port nothing listens on: bound by a server that is shut down at once.
func withFreePort() async throws -> UInt16 {
    var port: UInt16 = 0
    try await withTestServer(handler: okHandler) { _, bound in port = bound }
    return port
}
