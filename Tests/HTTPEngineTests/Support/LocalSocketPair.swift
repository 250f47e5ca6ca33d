import Glibc
import Testing

/// A connected pair of local stream sockets for tests of the send queue: the queue writes to
/// `sender`, the test reads what arrived from `receiver`.
struct LocalSocketPair: ~Copyable {
    let sender: Int32
    let receiver: Int32

    /// A pair whose kernel buffers are `bufferSize` bytes; with `isSenderNonBlocking`, a full
    /// buffer makes a write partial instead of blocking.
    init(bufferSize: Int32, isSenderNonBlocking: Bool = false) throws {
        var descriptors: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &descriptors) == 0)
        sender = descriptors[0]
        receiver = descriptors[1]
        if isSenderNonBlocking { _ = fcntl(sender, F_SETFL, fcntl(sender, F_GETFL) | O_NONBLOCK) }
        setSocketBufferSizes(sender, bufferSize)
        setSocketBufferSizes(receiver, bufferSize)
    }

    deinit {
        close(sender)
        close(receiver)
    }

    /// Reads until `count` bytes have arrived in all (with `received` already counted) or the stream ends.
    func receive(until count: Int, after received: [UInt8] = []) -> [UInt8] {
        var received = received
        var buffer = [UInt8](repeating: 0, count: 65536)
        while received.count < count {
            let read = Glibc.read(receiver, &buffer, buffer.count)
            guard read > 0 else { break }
            received += buffer[..<read]
        }
        return received
    }

    /// Reads what has arrived, if anything, without waiting for more than one read.
    func receiveOnce() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let read = Glibc.read(receiver, &buffer, buffer.count)
        return read > 0 ? Array(buffer[..<read]) : []
    }
}
