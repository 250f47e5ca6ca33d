import Foundation
import Glibc
@testable import HTTPEngine

/// A response read back by `RawClient`, parsed with the engine's own response parser.
struct TestResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Errors from the blocking test client.
enum RawClientError: Error {
    case connectFailed(Int32)
    case timedOut
    case closedEarly
}

/// A blocking TCP client for tests: sends raw bytes, reads responses with a deadline
/// (poll with the time left, never a fixed sleep).
///
/// `@unchecked Sendable`: a test uses a client from one thread at a time, handing it
/// to a `blocking` thread and back; thread start and continuation resumption order those uses.
final class RawClient: @unchecked Sendable {
    let descriptor: Int32
    private var receiver: SocketReceiver

    /// Connects to 127.0.0.1:`port`; `socketBufferSize` shrinks both kernel buffers first,
    /// so a client that stops reading backs the server up after a few kilobytes. `source` is the
    /// loopback address to connect from (any of 127.0.0.0/8: another client to the server).
    init(port: UInt16, socketBufferSize: Int32? = nil, from source: String? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        receiver = SocketReceiver(descriptor: descriptor)
        if let socketBufferSize {
            setSocketBufferSizes(descriptor, socketBufferSize)
        }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let isBound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            guard isBound else { throw RawClientError.connectFailed(errno) }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            // No close here: `deinit` runs for this failed init (every stored property is set) and
            // closes the socket; closing it twice closed whatever descriptor had reused the number.
            throw RawClientError.connectFailed(errno)
        }
    }

    deinit {
        Glibc.close(descriptor)
    }

    func send(_ text: String) {
        send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Sends what the socket takes now: the count, 0 when full, -1 on errors.
    func sendWithoutBlocking(_ bytes: ArraySlice<UInt8>) -> Int {
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if sent >= 0 { return sent }
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1
    }

    /// Sends `batch` over and over, as fast as the socket takes it, until `limit` bytes are out,
    /// `shouldStop` says so or the peer has closed (true then); `progress` hears the total sent.
    /// A cut-short send resumes mid-batch, so a batch of whole requests stays a well-formed stream.
    func sendRepeatedly(_ batch: [UInt8], upTo limit: Int = .max, until shouldStop: () -> Bool, progress: (Int) -> Void = { _ in }) -> Bool {
        var sent = 0
        while sent < limit, !shouldStop() {
            let taken = sendWithoutBlocking(batch[(sent % batch.count)...])
            if taken < 0 { return true }
            sent += taken
            progress(sent)
            if taken == 0 { _ = waitUntilWritable(timeout: .milliseconds(20)) }
        }
        return false
    }

    /// Waits until the socket can take more bytes; false on time-out.
    func waitUntilWritable(timeout: Duration) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return poll(&poller, 1, milliseconds) > 0
    }

    /// Waits up to `timeout` for `events` (`POLLIN`, `POLLOUT`, or 0 for none); returns the events
    /// seen, 0 on time-out. `POLLERR` and `POLLHUP` always count, so with no events asked for this
    /// waits for a reset only: once the server has half-closed, `POLLIN` would be ready for good.
    func waitForEvents(_ events: Int32, timeout: Duration) -> Int32 {
        var poller = pollfd(fd: descriptor, events: Int16(events), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return poll(&poller, 1, milliseconds) > 0 ? Int32(poller.revents) : 0
    }

    /// Half-closes the sending side.
    func finishSending() {
        shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Reads more bytes: count, 0 at end of stream (or reset); throws when the deadline passes first.
    @discardableResult
    func receiveMore(before deadline: ContinuousClock.Instant) throws -> Int {
        try receiver.receiveMore(before: deadline)
    }

    /// Reads one response; nil when the server closed without sending one.
    func readResponse(isHeadRequest: Bool = false, timeout: Duration = .seconds(60)) throws -> TestResponse? {
        let deadline = ContinuousClock.now + timeout
        var parser = HTTPParser(mode: .response)
        parser.isResponseToHeadRequest = isHeadRequest
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var isEndOfStream = false
        while true {
            if let parsed = try receiver.nextEvent(parsing: &parser) {
                switch parsed.event {
                case .responseHead(let parsedHead):
                    // Interim 1xx responses are skipped, as a client would.
                    if parsedHead.status.code >= 200 { head = parsedHead }
                case .body:
                    body.append(contentsOf: parsed.body)
                case .messageEnd:
                    if let head { return TestResponse(status: head.status.code, headers: head.headers, body: body) }
                case .requestHead:
                    break
                }
                continue
            }
            if isEndOfStream {
                if case .messageEnd? = try parser.finish(), let head {
                    return TestResponse(status: head.status.code, headers: head.headers, body: body)
                }
                if head == nil && receiver.buffer.isEmpty { return nil }
                throw RawClientError.closedEarly
            }
            if try receiveMore(before: deadline) == 0 { isEndOfStream = true }
        }
    }

    /// Reads responses until the server closes the connection (each with `timeout`).
    func readResponsesUntilClose(timeout: Duration = .seconds(60)) throws -> [TestResponse] {
        var responses: [TestResponse] = []
        while let response = try readResponse(timeout: timeout) { responses.append(response) }
        return responses
    }

    /// Waits until the server closes the connection, discarding anything it sends; false on time-out.
    func waitForClose(timeout: Duration = .seconds(60)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                if try receiveMore(before: deadline) == 0 { return true }
            } catch {
                return false
            }
        }
    }

    /// Reads until at least `count` bytes are buffered and returns the buffer without consuming it.
    func readUntilCount(_ count: Int, timeout: Duration = .seconds(60)) throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while receiver.buffer.count < count {
            if try receiveMore(before: deadline) == 0 { throw RawClientError.closedEarly }
        }
        return receiver.buffer
    }

    /// Everything the server sends until it closes.
    func readUntilClose(timeout: Duration = .seconds(60)) throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while try receiveMore(before: deadline) > 0 {}
        return receiver.buffer
    }
}

/// Shrinks a socket's kernel send and receive buffers (the kernel doubles and rounds the value).
func setSocketBufferSizes(_ descriptor: Int32, _ size: Int32) {
    setSendBufferSize(descriptor, size)
    var value = size
    _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &value, socklen_t(MemoryLayout<Int32>.size))
}

func setSendBufferSize(_ descriptor: Int32, _ size: Int32) {
    var value = size
    _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &value, socklen_t(MemoryLayout<Int32>.size))
}

/// Runs blocking socket work on its own thread so it never occupies the cooperative pool.
func blocking<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.start()
    }
}
