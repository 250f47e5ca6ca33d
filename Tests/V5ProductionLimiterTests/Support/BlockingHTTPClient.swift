import Foundation
import Glibc

/// A minimal HTTP/1.1 client over a blocking loopback socket, for tests against a real server.
///
/// Every receive has a deadline (`SO_RCVTIMEO`), so a server that never answers fails the test
/// instead of hanging it. The blocking calls run on a thread of their own: the Swift concurrency
/// pool has only as many threads as cores and must stay free for the server and the other tests,
/// and Dispatch's global queue is no better a home (on Linux it also runs about one item per core
/// and adds a thread only about once a second while they block).
final class BlockingHTTPClient: @unchecked Sendable {
    // @unchecked: the descriptor is written once in init and read-only afterwards; each test
    // uses one client from one task at a time, so calls never overlap.
    private let descriptor: Int32
    private var buffered: [UInt8] = []
    private let connectedAt = ContinuousClock.now
    private var exchanges = 0

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A parsed response: status code, header fields in order, body bytes.
    struct Response {
        let status: Int
        let headers: [(name: String, value: String)]
        let body: [UInt8]

        /// The first value of `name`, compared case-insensitively.
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// Connects to 127.0.0.1:`port`; every later receive gives up after `timeout`.
    init(port: UInt16, timeout: Duration = .seconds(60)) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var deadline = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &deadline, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &deadline, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            // No close here: `deinit` runs for this failed init (every stored property is set) and
            // closes the socket; closing it twice closed whatever descriptor had reused the number.
            throw Failure(description: "connect: errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    /// Sends a GET for `path` with `headers` and returns the response.
    func get(_ path: String, headers: [(String, String)] = []) async throws -> Response {
        var request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8)
        for (name, value) in headers { request += Array("\(name): \(value)\r\n".utf8) }
        request += Array("\r\n".utf8)
        return try await exchange(raw: request)
    }

    /// Sends `raw` bytes exactly as given (for malformed input) and returns the response.
    func exchange(raw: [UInt8]) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try self.sendAndReceive(raw) }) }.start()
        }
    }

    /// Sends `raw` and returns without waiting for an answer: for a client that leaves early
    /// (closing is releasing the client). Loopback sends this small do not block.
    func send(raw: [UInt8]) throws {
        var sent = 0
        while sent < raw.count {
            let written = raw[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += written
        }
    }

    /// Everything the server sends until it closes the connection (for a server expected to
    /// close: a time-out, a cut-off response); fails if the receive deadline passes first.
    func receiveUntilClosed() async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
                    while true {
                        let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
                        if count == 0 || (count < 0 && errno == ECONNRESET) { return self.buffered }
                        guard count > 0 else { throw Failure(description: "recv: errno \(errno) (time-out?) before the server closed") }
                        self.buffered += chunk[..<count]
                    }
                })
            }.start()
        }
    }

    /// Makes closing (releasing the client) a reset (RST) rather than an orderly close.
    func resetOnClose() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
    }

    private func sendAndReceive(_ raw: [UInt8]) throws -> Response {
        exchanges += 1
        try send(raw: raw)
        let headEnd = try receive(until: { $0.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound })
        let head = String(decoding: buffered[..<headEnd], as: UTF8.self)
        buffered.removeFirst(headEnd)
        var lines = head.split(separator: "\r\n").map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure(description: "bad status line in \(head)") }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingPrefix(" ").description)
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        let bodyEnd = try receive(until: { $0.count >= length ? length : nil })
        let body = Array(buffered[..<bodyEnd])
        buffered.removeFirst(bodyEnd)
        return Response(status: status, headers: headers, body: body)
    }

    /// Reads until `isComplete` returns an end offset into the buffer; fails on close or time-out.
    private func receive(until isComplete: ([UInt8]) -> Int?) throws -> Int {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            if let end = isComplete(buffered) { return end }
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                let context = "in exchange \(exchanges), \(ContinuousClock.now - connectedAt) after connecting"
                throw Failure(description: (count == 0 ? "connection closed by server" : "recv: errno \(errno) (time-out?)") + " " + context)
            }
            buffered += chunk[..<count]
        }
    }
}
