import Glibc
@testable import HTTPEngine

/// The receiving side of a blocking test socket: reads with a deadline (poll with the
/// time left, never a fixed sleep) and feeds the bytes to the engine's parser.
struct SocketReceiver {
    let descriptor: Int32
    /// Bytes received and not consumed by the parser yet.
    private(set) var buffer: [UInt8] = []

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Reads more bytes: count, 0 at end of stream (or reset); throws when the deadline passes first.
    mutating func receiveMore(before deadline: ContinuousClock.Instant) throws -> Int {
        let remaining = deadline - .now
        guard remaining > .zero else { throw RawClientError.timedOut }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
        if poll(&poller, 1, milliseconds) == 0 { throw RawClientError.timedOut }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count <= 0 { return 0 }
        buffer.append(contentsOf: chunk[0..<count])
        return count
    }

    /// Parses the next event from the buffered bytes and drops what it consumed: the event
    /// with the body bytes it reports, or nil when the parser needs more input.
    mutating func nextEvent(parsing parser: inout HTTPParser) throws -> (event: HTTPParser.Event, body: ArraySlice<UInt8>)? {
        while true {
            let step = try buffer.withUnsafeBytes { try parser.parse($0) }
            if let event = step.event {
                var body: ArraySlice<UInt8> = []
                if case .body(let range) = event { body = buffer[range] }
                buffer.removeFirst(step.consumed)
                return (event, body)
            }
            guard step.consumed > 0 else { return nil }
            buffer.removeFirst(step.consumed)
        }
    }
}
