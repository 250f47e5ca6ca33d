import Foundation
import Glibc
import Testing
@testable import HTTPEngine

/// `SendBatch` on its own, over socket pairs: what each send took is what its connection is told,
/// a full socket or a closed peer leaves the bytes to the connection's own send, and a loaded
/// server's turns do go through it where io_uring is available.
@Suite(.enabled(if: IOURing.shouldTest, "io_uring is unavailable here (the engine then sends each flush itself); set CI=1 to make that a failure"))
struct SendBatchTests {
    /// A stand-in for a connection: one socket, bytes queued in one chunk, what the batch took.
    final class QueuedSend: EndOfTurnFlushing {
        let descriptor: Int32
        let bytes: [UInt8]
        var taken: [Int] = []

        init(descriptor: Int32, bytes: [UInt8]) {
            self.descriptor = descriptor
            self.bytes = bytes
        }

        func flushScheduledOutput() {}

        func pendingBatchedSend() -> (descriptor: Int32, bytes: UnsafeRawBufferPointer)? {
            (descriptor, bytes.withUnsafeBytes { $0 })
        }

        func batchedSendTook(_ count: Int) { taken.append(count) }
    }

    /// A connected pair of stream sockets: (sender, receiver).
    func socketPair() throws -> (Int32, Int32) {
        var pair: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &pair) == 0)
        return (pair[0], pair[1])
    }

    func received(on descriptor: Int32) -> [UInt8] {
        var all: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count > 0 else { return all }
            all += chunk[..<count]
        }
    }

    @Test func eachSendsBytesAreSentAndReportedToItsOwner() throws {
        let batch = try #require(SendBatch.make(), "io_uring is unavailable here")
        let pairs = try (0..<3).map { _ in try socketPair() }
        defer { for (a, b) in pairs { close(a); close(b) } }
        let sends = pairs.enumerated().map { index, pair in QueuedSend(descriptor: pair.0, bytes: Array("message \(index)".utf8)) }
        #expect(batch.sendFirst(of: sends.map { .flush($0) }) == 3)
        for (index, send) in sends.enumerated() {
            #expect(send.taken == [send.bytes.count])
            #expect(received(on: pairs[index].1) == Array("message \(index)".utf8))
        }
    }

    /// A socket that takes part of its bytes reports that part; one already full and one whose
    /// peer is gone report nothing, so the connection's own send meets the full buffer or the
    /// error; the others in the same call are sent all the same.
    @Test func aFullSocketAndAClosedPeerLeaveTheirBytesToTheConnection() throws {
        let batch = try #require(SendBatch.make(), "io_uring is unavailable here")
        let (partSender, partReceiver) = try socketPair()
        let (fullSender, fullReceiver) = try socketPair()
        let (goneSender, goneReceiver) = try socketPair()
        let (fineSender, fineReceiver) = try socketPair()
        defer { for descriptor in [partSender, partReceiver, fullSender, fullReceiver, goneSender, fineSender, fineReceiver] { close(descriptor) } }
        close(goneReceiver)
        // Fill one socket completely.
        let filler = [UInt8](repeating: 1, count: 1 << 16)
        while filler.withUnsafeBytes({ send(fullSender, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) > 0 {}
        // Ten megabytes on a socket that takes far less.
        let big = QueuedSend(descriptor: partSender, bytes: [UInt8](repeating: 2, count: 10 << 20))
        let full = QueuedSend(descriptor: fullSender, bytes: [3])
        let gone = QueuedSend(descriptor: goneSender, bytes: [4])
        let fine = QueuedSend(descriptor: fineSender, bytes: [5, 5])
        #expect(batch.sendFirst(of: [.flush(big), .flush(full), .flush(gone), .flush(fine)]) == 4)
        let partial = try #require(big.taken.first)
        #expect(big.taken.count == 1 && partial > 0 && partial < 10 << 20, "\(big.taken)")
        #expect(received(on: partReceiver).count == partial)
        #expect(full.taken.isEmpty)
        #expect(gone.taken.isEmpty)
        #expect(fine.taken == [2])
        #expect(received(on: fineReceiver) == [5, 5])
    }

    /// Actions that are not flushes, and flushes with nothing in one chunk, are left alone; a lone
    /// send is left to its connection, as a ring gains nothing for one.
    @Test func aLoneSendAndOtherActionsAreLeftAlone() throws {
        let batch = try #require(SendBatch.make(), "io_uring is unavailable here")
        let (sender, receiver) = try socketPair()
        defer { close(sender); close(receiver) }
        let lone = QueuedSend(descriptor: sender, bytes: [1])
        #expect(batch.sendFirst(of: [.closure({}), .flush(lone)]) == 0)
        #expect(lone.taken.isEmpty)
        #expect(received(on: receiver).isEmpty)
    }

    /// Flushes that an end-of-turn action queues (as a proxied answer is, made when the upstream's
    /// head is handed over at the end of the turn) go out in one call as well, not one by one.
    @Test func flushesQueuedByTheEndOfTheTurnAreSentInOneCall() async throws {
        try #require(SendBatch.make() != nil, "io_uring is unavailable here")
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.loops[0]
        let pairs = try (0..<3).map { _ in try socketPair() }
        defer { for (a, b) in pairs { close(a); close(b) } }
        let sends = pairs.enumerated().map { index, pair in QueuedSend(descriptor: pair.0, bytes: Array("answer \(index)".utf8)) }
        let before = loop.batchedSendCount.load(ordering: .relaxed)
        try await loop.perform {
            loop.runAtEndOfTurn {
                for send in sends { loop.flushAtEndOfTurn(send) }
            }
        }
        // A second job runs in a later turn, after the first one's end-of-turn actions.
        try await loop.perform {}
        #expect(loop.batchedSendCount.load(ordering: .relaxed) == before + 1)
        for (index, send) in sends.enumerated() {
            #expect(send.taken == [send.bytes.count])
            #expect(received(on: pairs[index].1) == Array("answer \(index)".utf8))
        }
        await group.shutdown()
    }

    /// A server on one loop answering 64 clients at once sends many of its turns' answers in one
    /// call, and every answer arrives whole.
    @Test func aLoadedLoopSendsItsTurnsAnswersThroughTheBatch() async throws {
        try #require(SendBatch.make() != nil, "io_uring is unavailable here")
        let group = try EventLoopGroup(loopCount: 1)
        let server = HTTPServer(
            configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 1),
            handler: HTTPClosureHandler { request in HTTPResponse(body: .init(string: "answer to \(request.path)")) },
            eventLoopGroup: group
        )
        let port = try await server.start().port
        let client = HTTPClient(eventLoopGroup: group)
        let bodies = try await withThrowingTaskGroup(of: Bool.self) { tasks in
            for index in 0..<64 {
                tasks.addTask {
                    var all = true
                    for round in 0..<20 {
                        let response = try await client.execute(HTTPClientRequest(method: .get, host: "127.0.0.1", port: port, target: "/\(index)/\(round)"))
                        let body = try await response.body.collect(upTo: 1024)
                        all = all && body == Array("answer to /\(index)/\(round)".utf8)
                    }
                    return all
                }
            }
            return try await tasks.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(bodies.count == 64 && bodies.allSatisfy { $0 })
        #expect(group.loops[0].batchedSendCount.load(ordering: .relaxed) > 0)
        await client.shutdown()
        await server.shutdown(gracePeriod: .seconds(1))
        await group.shutdown()
    }
}

/// Whether the `SendBatch` tests run: where io_uring works, and always in CI, where its absence
/// must fail them rather than skip them.
enum IOURing {
    static let shouldTest = SendBatch.make() != nil || !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty
}
