import Foundation
import Glibc
import Synchronization
import Testing
import TestSupport
@testable import HTTPEngine

/// Bounds of the pipelined core that only a hostile server shows: a connection flooded faster than
/// its codec can keep up, and a connect that never completes.
@Suite struct PipelineBoundTests {
    /// With both connections readable in one loop turn, the flooded one may take one read
    /// event's worth before the other is served: the bound, plus the read that crosses it.
    // Without the bound the loop never leaves the flooded connection: the time limit ends the test.
    @Test(.timeLimit(.minutes(2))) func floodedConnectionDoesNotStarveAnotherOnTheSameLoop() async throws {
        let flooder = try FloodServer()
        defer { flooder.stop() }
        let gate = DispatchSemaphore(value: 0)
        let echo = try LineServer { line in
            if line == "held" { gate.wait() }
            return [line]
        }
        defer { echo.stop() }
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.loops[0]
        let counter = ReceivedByteCounter()
        let floodReceivedWhenOtherReplied = Atomic<Int>(-1)
        // Long reply time-outs: a sanitized, loaded run reads the flood slowly, and no time-out
        // is under test here.
        let configuration = PipelineConfiguration(replyTimeout: .seconds(120))
        let flooded = PipelinedClient<ScanningCodec>(
            host: "127.0.0.1", port: flooder.port, eventLoopGroup: group, configuration: configuration,
            setup: PipelineSetup(makeCodec: { ScanningCodec(counter: counter, replyAfter: 1024 * 1024) })
        )
        let other = PipelinedClient<ObservedLineCodec>(
            host: "127.0.0.1", port: echo.port, eventLoopGroup: group, configuration: configuration,
            setup: PipelineSetup(makeCodec: { ObservedLineCodec { floodReceivedWhenOtherReplied.store(counter.count, ordering: .relaxed) } })
        )
        #expect(try await other.send("connected before the flood") == "connected before the flood")

        let flood = Task { try await flooded.send("flood") }
        #expect(await waitUntil(deadline: .now + .seconds(60)) { counter.count > 1024 * 1024 })
        let held = Task { try await other.send("held") }
        #expect(await waitUntil(deadline: .now + .seconds(60)) { echo.linesReceived == 2 })

        // Stop the loop, then let the other reply arrive and the flood fill every buffer.
        let loopGate = DispatchSemaphore(value: 0)
        let isLoopStopped = Atomic<Bool>(false)
        _ = loop.execute {
            isLoopStopped.store(true, ordering: .releasing)
            loopGate.wait()
        }
        #expect(await waitUntil(deadline: .now + .seconds(60)) { isLoopStopped.load(ordering: .acquiring) })
        let receivedWhenStopped = counter.count
        gate.signal()
        #expect(await waitUntil(deadline: .now + .seconds(60)) { echo.repliesSent == 2 })
        // Without the bound the loop would read at least what the kernel holds before it
        // served the other connection; wait until that is well past one read event's worth.
        let isFull = await waitUntil(deadline: .now + .seconds(60)) {
            flooder.sentByteCount - receivedWhenStopped > 3 * PipelinedConnection<LineCodec>.maxBytesPerReadEvent
        }
        try #require(isFull, "the kernel buffered only \(flooder.sentByteCount - receivedWhenStopped) bytes")
        loopGate.signal()

        #expect(try await held.value == "held")
        flooder.stopFlooding()
        let taken = floodReceivedWhenOtherReplied.load(ordering: .relaxed) - receivedWhenStopped
        #expect(taken <= PipelinedConnection<LineCodec>.maxBytesPerReadEvent + 256 * 1024)
        _ = try await flood.value
        await flooded.shutdown()
        await other.shutdown()
        await group.shutdown()
    }

    @Test func connectThatIsNeverAnsweredFailsAtTheConnectTimeOut() async throws {
        let blackHole = try BlackHoleListener()
        defer { blackHole.close() }
        let group = try EventLoopGroup(loopCount: 1)
        let client = PipelinedClient<LineCodec>(
            host: "127.0.0.1", port: blackHole.port, eventLoopGroup: group,
            configuration: PipelineConfiguration(connectTimeout: .milliseconds(200), replyTimeout: .seconds(120)),
            setup: PipelineSetup(makeCodec: { LineCodec() })
        )
        let started = ContinuousClock.now
        let error = await #expect(throws: HTTPEngineError.self) { try await client.send("anyone there?") }
        let waited = ContinuousClock.now - started
        guard let error, error.code == .connectTimeout else {
            Issue.record("expected connectTimeout, got \(String(describing: error))")
            return
        }
        #expect(error.timeLimit == .milliseconds(200))
        #expect(error.status == .gatewayTimeout)
        // The kernel's own SYN retries give up after about two minutes (127 s): the connect
        // time-out, not the kernel, ended the wait (with room for a loaded, sanitized run, which
        // once took 37 s).
        #expect(waited < .seconds(100))
        await client.shutdown()
        await group.shutdown()
    }
}

/// Bytes a `ScanningCodec` has received, read from the test's task while the loop writes it.
final class ReceivedByteCounter: Sendable {
    private let value = Atomic<Int>(0)

    var count: Int { value.load(ordering: .relaxed) }

    func add(_ count: Int) { value.add(count, ordering: .relaxed) }
}

/// A codec that looks at every byte, as a real parser does, and answers its one request with the
/// number of bytes received once `replyAfter` have arrived.
struct ScanningCodec: PipelineCodec {
    let counter: ReceivedByteCounter
    let replyAfter: Int
    var received = 0
    var checksum: UInt8 = 0
    var hasReplied = false

    static func encode(_ request: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: request.utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    mutating func receive(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes { checksum &+= byte }
        received += bytes.count
        counter.add(bytes.count)
    }

    mutating func nextReply() throws -> Int? {
        guard !hasReplied, received >= replyAfter else { return nil }
        hasReplied = true
        return received
    }
}

/// A line codec that calls `observe` on the loop as it hands out each reply.
struct ObservedLineCodec: PipelineCodec {
    var lines = LineCodec()
    let observe: @Sendable () -> Void

    static func encode(_ request: String, into buffer: inout [UInt8]) {
        LineCodec.encode(request, into: &buffer)
    }

    mutating func receive(_ bytes: UnsafeRawBufferPointer) {
        lines.receive(bytes)
    }

    mutating func nextReply() throws -> String? {
        let reply = try lines.nextReply()
        if reply != nil { observe() }
        return reply
    }
}

/// A server that, once a line arrives, sends bytes as fast as the socket takes them until
/// `stopFlooding()`, then keeps the connection open. Stopped as soon as the test has measured, so
/// the flood does not keep a loop and a thread busy beside the other tests (one left running
/// starved a sanitized parallel run for half a minute).
final class FloodServer: Sendable {
    private let server: ThreadPerConnectionServer
    private let sent = Atomic<Int>(0)

    private let isStopped = Atomic<Bool>(false)

    var port: UInt16 { server.port }
    /// Bytes the kernel has taken from the flood so far.
    var sentByteCount: Int { sent.load(ordering: .acquiring) }

    init() throws {
        server = try ThreadPerConnectionServer()
        server.start { [self] in flood($0) }
    }

    func stop() {
        server.stop()
    }

    /// Ends every flood; connections stay open.
    func stopFlooding() {
        isStopped.store(true, ordering: .releasing)
    }

    private func flood(_ connection: Int32) {
        var request = [UInt8](repeating: 0, count: 1024)
        guard read(connection, &request, request.count) > 0 else { return }
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)
        while !isStopped.load(ordering: .acquiring) {
            let count = chunk.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if count > 0 {
                sent.add(count, ordering: .releasing)
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                usleep(1000)
            } else {
                return
            }
        }
        // Open until the client closes, so the end of the flood is not an end of stream.
        _ = read(connection, &request, request.count)
    }
}
