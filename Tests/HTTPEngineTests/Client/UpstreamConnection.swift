import Foundation
import Glibc
@testable import HTTPEngine

/// One accepted connection of a `ScriptedUpstream`: blocking reads with a deadline
/// (poll with the time left, never a fixed sleep) and raw writes.
final class UpstreamConnection: @unchecked Sendable {
    // @unchecked Sendable: used only by the one worker thread that runs the script.
    let descriptor: Int32
    private var receiver: SocketReceiver
    private var isClosed = false

    init(descriptor: Int32) {
        self.descriptor = descriptor
        receiver = SocketReceiver(descriptor: descriptor)
    }

    /// A request as the upstream read it; the body is counted, and kept up to `keptBodyLimit` bytes.
    struct ReceivedRequest {
        var head: HTTPRequestHead
        var body: [UInt8]
        var bodyCount: Int
        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// Reads one request with the engine's parser; nil when the client closed first.
    func readRequest(keptBodyLimit: Int = 1 << 20, timeout: Duration = .seconds(60)) throws -> ReceivedRequest? {
        let deadline = ContinuousClock.now + timeout
        var parser = HTTPParser(mode: .request)
        var head: HTTPRequestHead?
        var body: [UInt8] = []
        var bodyCount = 0
        while true {
            if let parsed = try receiver.nextEvent(parsing: &parser) {
                switch parsed.event {
                case .requestHead(let parsedHead):
                    head = parsedHead
                case .body:
                    bodyCount += parsed.body.count
                    if body.count < keptBodyLimit { body.append(contentsOf: parsed.body.prefix(keptBodyLimit - body.count)) }
                case .messageEnd:
                    return ReceivedRequest(head: head!, body: body, bodyCount: bodyCount)
                case .responseHead:
                    break
                }
                continue
            }
            if try receiveMore(before: deadline) == 0 {
                if head == nil && receiver.buffer.isEmpty { return nil }
                throw RawClientError.closedEarly
            }
        }
    }

    /// Reads more bytes into the buffer: the count, 0 at end of stream; throws past the deadline.
    @discardableResult
    func receiveMore(before deadline: ContinuousClock.Instant) throws -> Int {
        try receiver.receiveMore(before: deadline)
    }

    /// Waits until the client closes (or resets) the connection; false on time-out.
    func waitForClose(timeout: Duration = .seconds(60)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard let count = try? receiveMore(before: deadline) else { return false }
            if count == 0 { return true }
        }
    }

    func send(_ text: String) {
        send(Array(text.utf8))
    }

    /// Sends all of `bytes` (blocking); false once the client is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Sends without blocking: bytes taken, 0 when the socket buffer is full, -1 on error.
    func sendWithoutBlocking(_ bytes: ArraySlice<UInt8>) -> Int {
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if sent >= 0 { return sent }
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1
    }

    /// Waits until the socket can take more bytes; false on time-out.
    func waitUntilWritable(timeout: Duration = .seconds(60)) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return poll(&poller, 1, milliseconds) > 0
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(descriptor)
    }
}
