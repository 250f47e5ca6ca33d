import Foundation
import Glibc
import HTTPEngine

/// A response as the test client read it off the socket.
struct ReceivedResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

enum ProxyTestClientError: Error {
    case connectFailed(Int32)
    case timedOut
    /// The server closed the connection before a complete response (a truncated body).
    case closedEarly(receivedBodyBytes: Int)
}

/// A blocking client over a loopback socket: exact bytes out, responses parsed with the
/// engine's parser. Every read polls with the time left to a deadline, never sleeps.
///
/// `@unchecked Sendable`: a test uses one client from one thread at a time, handing it to a
/// `blocking` thread and back; thread start and continuation resumption order the uses.
final class ProxyTestClient: @unchecked Sendable {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; `socketBufferSize` shrinks both kernel buffers first, so a
    /// client that stops reading (or a server that stops taking) backs up after a few kilobytes.
    init(port: UInt16, socketBufferSize: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = socketBufferSize {
            _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
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
            throw ProxyTestClientError.connectFailed(errno)
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

    /// Shuts both directions, as a client that gives up does (the descriptor closes at deinit).
    func abandon() {
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// Sends what the socket takes now: the count, 0 when it is full, -1 on errors.
    func sendWithoutBlocking(_ bytes: ArraySlice<UInt8>) -> Int {
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if sent >= 0 { return sent }
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1
    }

    /// Waits until the socket takes more bytes; false when `timeout` passes first.
    func waitUntilWritable(timeout: Duration) -> Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return poll(&poller, 1, milliseconds) > 0
    }

    /// Reads one response (skipping 1xx unless `stopAtInterim`); throws `closedEarly` when the
    /// connection ends mid-response and `timedOut` past `timeout`.
    func readResponse(isHeadRequest: Bool = false, stopAtInterim: Bool = false, timeout: Duration = .seconds(60)) throws -> ReceivedResponse {
        let deadline = ContinuousClock.now + timeout
        var parser = HTTPParser(mode: .response)
        parser.isResponseToHeadRequest = isHeadRequest
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        var isEndOfStream = false
        while true {
            let step = try buffer.withUnsafeBytes { try parser.parse($0) }
            if let event = step.event {
                if case .body(let range) = event { body.append(contentsOf: buffer[range]) }
                buffer.removeFirst(step.consumed)
                switch event {
                case .responseHead(let parsed):
                    head = parsed
                    if stopAtInterim, parsed.status.code < 200 {
                        return ReceivedResponse(status: parsed.status.code, headers: parsed.headers, body: [])
                    }
                case .messageEnd:
                    if let head, head.status.code >= 200 { return ReceivedResponse(status: head.status.code, headers: head.headers, body: body) }
                default:
                    break
                }
                continue
            }
            buffer.removeFirst(step.consumed)
            if step.consumed > 0 { continue }
            if isEndOfStream {
                // A body cut short by the close (length or chunked) is what a truncated response looks like.
                if case .messageEnd? = try? parser.finish(), let head {
                    return ReceivedResponse(status: head.status.code, headers: head.headers, body: body)
                }
                throw ProxyTestClientError.closedEarly(receivedBodyBytes: body.count)
            }
            if try receiveMore(before: deadline) == 0 { isEndOfStream = true }
        }
    }

    /// Reads until the first body bytes of a response arrive; returns how many arrived.
    func readUntilBodyStarts(timeout: Duration = .seconds(60)) throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let end = buffer.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound, buffer.count > end {
                return buffer.count - end
            }
            if try receiveMore(before: deadline) == 0 { throw ProxyTestClientError.closedEarly(receivedBodyBytes: 0) }
        }
    }

    /// Reads more bytes: the count, 0 at end of stream or reset.
    private func receiveMore(before deadline: ContinuousClock.Instant) throws -> Int {
        let remaining = deadline - .now
        guard remaining > .zero else { throw ProxyTestClientError.timedOut }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
        if poll(&poller, 1, milliseconds) == 0 { throw ProxyTestClientError.timedOut }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count <= 0 { return 0 }
        buffer.append(contentsOf: chunk[0..<count])
        return count
    }
}

/// Runs blocking socket work on a thread of its own, never on the cooperative pool.
func blocking<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// One GET (or HEAD) on a fresh connection through `port`, on a thread of its own.
func fetch(_ target: String, port: UInt16, method: String = "GET", headers: [(String, String)] = []) async throws -> ReceivedResponse {
    try await blocking {
        let client = try ProxyTestClient(port: port)
        var text = "\(method) \(target) HTTP/1.1\r\nHost: proxy.test\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        client.send(text + "\r\n")
        return try client.readResponse(isHeadRequest: method == "HEAD")
    }
}
