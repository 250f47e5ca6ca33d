import Dispatch
import Synchronization
import Testing
@testable import HTTPEngine

/// The listener's accept batch from the hostile side: a flood of new connections must not hold
/// up the connections a loop already serves.
@Suite struct AcceptBatchTests {
    /// Connections pending in the backlog when the request arrives.
    static let floodCount = 200

    /// With 200 connections waiting in the backlog, a request on an established connection of the
    /// same loop is answered after at most one batch of 64 accepts, not after the whole flood.
    // Read on the loop's thread, where accepting happens too, so the count is exact, not a race.
    // With the batch unbounded (`while true` around the accept) the handler saw all 201.
    @Test func aConnectFloodIsAcceptedInBatchesWithTheEstablishedConnectionServedBetween() async throws {
        let group = try EventLoopGroup(loopCount: 1)
        let counter = OpenedConnectionCounter()
        let handler = OpenedCountRecordingHandler(counter: counter)
        var configuration = testServerConfiguration(loopCount: 1)
        configuration.observer = counter
        configuration.backlog = 1024
        let server = HTTPServer(configuration: configuration, handler: handler, eventLoopGroup: group)
        let port = try await server.start().port

        let established = try RawClient(port: port)
        established.send("GET /before HTTP/1.1\r\nHost: t\r\n\r\n")
        let before = try await blocking { try established.readResponse()?.status }
        #expect(before == 200)

        // Stop the loop, so the flood waits in the backlog and the request behind it.
        let loopGate = DispatchSemaphore(value: 0)
        let isLoopStopped = Atomic<Bool>(false)
        _ = group.loops[0].execute {
            isLoopStopped.store(true, ordering: .releasing)
            // A guard against a hang only: the test signals long before.
            _ = loopGate.wait(timeout: .now() + .seconds(120))
        }
        #expect(await waitUntil(deadline: .now + .seconds(60)) { isLoopStopped.load(ordering: .acquiring) })
        // Connected by the kernel: the listen backlog holds them until the loop accepts.
        let flood = try await blocking { try (0..<Self.floodCount).map { _ in try RawClient(port: port) } }
        established.send("GET /during-flood HTTP/1.1\r\nHost: t\r\n\r\n")
        loopGate.signal()

        let during = try await blocking { try established.readResponse()?.status }
        #expect(during == 200)
        let openedWhenServed = handler.openedWhenServed.load(ordering: .acquiring)
        #expect(openedWhenServed >= 1 && openedWhenServed <= 1 + 64, "accepted \(openedWhenServed) connections before serving the established one")
        // And the flood is accepted all the same.
        #expect(await waitUntil(deadline: .now + .seconds(60)) { counter.opened == 1 + Self.floodCount })
        withExtendedLifetime(flood) {}
        await server.shutdown(gracePeriod: .seconds(1))
        await group.shutdown()
    }
}

/// Counts connections the server accepted.
private final class OpenedConnectionCounter: HTTPServerObserver {
    private let count = Atomic<Int>(0)
    var opened: Int { count.load(ordering: .acquiring) }

    func connectionOpened(from remoteAddress: SocketAddress) { count.add(1, ordering: .acquiringAndReleasing) }
}

/// Answers on the spot, on the loop's thread, and notes how many connections were accepted when
/// `/during-flood` was served.
private final class OpenedCountRecordingHandler: HTTPHandler {
    let counter: OpenedConnectionCounter
    let openedWhenServed = Atomic<Int>(-1)

    init(counter: OpenedConnectionCounter) {
        self.counter = counter
    }

    func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        HTTPResponse(status: .ok)
    }

    func respondImmediately(to request: inout HTTPRequest) -> HTTPResponse? {
        if request.path == "/during-flood" { openedWhenServed.store(counter.opened, ordering: .releasing) }
        return HTTPResponse(status: .ok)
    }
}
