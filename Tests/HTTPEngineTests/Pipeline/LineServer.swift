import Foundation
import Glibc
import Synchronization
@testable import HTTPEngine

/// A line protocol for testing the pipelined core without Redis: a request is a line of text,
/// the reply is the line the server sends back.
struct LineCodec: PipelineCodec {
    var received: [UInt8] = []

    static func encode(_ request: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: request.utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    mutating func receive(_ bytes: UnsafeRawBufferPointer) {
        received.append(contentsOf: bytes)
    }

    mutating func nextReply() throws -> String? {
        guard let end = received.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let line = String(decoding: received[..<end], as: UTF8.self)
        received.removeSubrange(...end)
        return line
    }
}

/// A blocking TCP server on 127.0.0.1 answering each line with `answer(line)` (nil: no answer),
/// one thread per connection, optionally writing its replies one byte per `send`.
final class LineServer: Sendable {
    private let server: ThreadPerConnectionServer
    private let answer: @Sendable (String) -> [String]
    private let sendsByteByByte: Bool
    private let receivedLines = Atomic<Int>(0)
    private let sentReplies = Atomic<Int>(0)

    var port: UInt16 { server.port }
    /// Lines read so far, on every connection.
    var linesReceived: Int { receivedLines.load(ordering: .acquiring) }
    /// Answers whose bytes the kernel has taken so far.
    var repliesSent: Int { sentReplies.load(ordering: .acquiring) }

    init(sendsByteByByte: Bool = false, answer: @escaping @Sendable (String) -> [String] = { [$0] }) throws {
        self.answer = answer
        self.sendsByteByByte = sendsByteByByte
        server = try ThreadPerConnectionServer()
        server.start { [self] in serve($0) }
    }

    /// Stops accepting; connections already open end when their clients close them.
    func stop() {
        server.stop()
    }

    private func serve(_ connection: Int32) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            pending += buffer[..<count]
            while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeSubrange(...end)
                receivedLines.add(1, ordering: .releasing)
                let reply = Array(answer(line).map { $0 + "\n" }.joined().utf8)
                if sendsByteByByte {
                    for byte in reply { _ = withUnsafeBytes(of: byte) { Glibc.send(connection, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) } }
                } else {
                    _ = reply.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
                sentReplies.add(1, ordering: .releasing)
            }
        }
    }
}

/// Runs `body` with a line-protocol client of `server` on a one-loop group, then shuts both down.
func withLineClient<Result>(
    _ server: LineServer,
    configuration: PipelineConfiguration = PipelineConfiguration(),
    _ body: (PipelinedClient<LineCodec>, EventLoop) async throws -> Result
) async throws -> Result {
    defer { server.stop() }
    return try await withLineClient(port: server.port, configuration: configuration, body)
}

/// Runs `body` with a line-protocol client of whatever listens (or not) at `port` on 127.0.0.1,
/// sending `setup` on each connection, on a one-loop group, then shuts both down.
func withLineClient<Result>(
    port: UInt16,
    configuration: PipelineConfiguration = PipelineConfiguration(),
    setup: PipelineSetup<LineCodec> = PipelineSetup(makeCodec: { LineCodec() }),
    _ body: (PipelinedClient<LineCodec>, EventLoop) async throws -> Result
) async throws -> Result {
    let group = try EventLoopGroup(loopCount: 1)
    let client = PipelinedClient<LineCodec>(
        host: "127.0.0.1", port: port, eventLoopGroup: group, configuration: configuration, setup: setup
    )
    do {
        let result = try await body(client, group.loops[0])
        await client.shutdown()
        await group.shutdown()
        return result
    } catch {
        await client.shutdown()
        await group.shutdown()
        throw error
    }
}
