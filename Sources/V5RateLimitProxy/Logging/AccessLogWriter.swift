import Foundation
import Glibc
import HTTPEngine
import Synchronization

/// Writes access-log lines to a descriptor from a thread of its own, through a bounded queue, so
/// a reader that falls behind or stops never stalls the event loops.
///
/// The rejected alternative is what this replaced: one blocking `write(2)` per line on the
/// loop's thread. A container's standard output is a pipe of 64 KiB; when whatever reads it
/// stalled, the next line's write blocked the loop and every connection on it, and the proxy
/// stopped answering (`aStalledAccessLogReaderDoesNotStopTheProxy`). Here a loop only appends to
/// the queue under a lock, and the writer takes everything queued and writes it in one call: one
/// system call per batch rather than one per request. When the queue holds `capacity` bytes, new
/// lines are dropped and counted (`droppedLineCount`, `proxy_access_log_dropped_lines_total`),
/// HAProxy's choice for its log ring: requests go on, and the log says how much it lost.
final class AccessLogWriter: Sendable {
    /// 4 MiB: about 16,000 lines, seconds of logging at a few thousand requests a second.
    static let defaultCapacity = 4 << 20

    private struct Queue {
        var bytes: [UInt8] = []
        var isFinishing = false
    }

    private let descriptor: Int32
    private let capacity: Int
    private let queue = Locked(Queue())
    /// Signalled when the queue gets its first bytes after the writer took the last ones, and to finish.
    private let wakeUp = DispatchSemaphore(value: 0)
    /// Signalled once the writer has written everything queued before `finish`.
    private let finished = DispatchSemaphore(value: 0)
    private let dropped = Atomic<Int>(0)

    /// A writer to `descriptor` (1 for standard output) holding at most `capacity` bytes unwritten.
    init(descriptor: Int32, capacity: Int = defaultCapacity) {
        precondition(capacity > 0, "AccessLogWriter: capacity must be positive, got \(capacity)")
        self.descriptor = descriptor
        self.capacity = capacity
        let thread = Thread { [self] in run() }
        thread.name = "access-log"
        thread.start()
    }

    /// Lines dropped so far: the queue was full, or the descriptor refused them.
    var droppedLineCount: Int { dropped.load(ordering: .relaxed) }

    /// Queues `line`, which ends in a newline, or drops it when the queue is full or finishing.
    func append(_ line: [UInt8]) {
        let wasEmpty = queue.withLock { queue -> Bool? in
            guard !queue.isFinishing, queue.bytes.count + line.count <= capacity else { return nil }
            let wasEmpty = queue.bytes.isEmpty
            queue.bytes.append(contentsOf: line)
            return wasEmpty
        }
        switch wasEmpty {
        case nil: dropped.add(1, ordering: .relaxed)
        case true?: wakeUp.signal()
        case false?: break
        }
    }

    /// Writes what is queued and stops; false when that took longer than `timeout` (a reader
    /// that stopped reading), whose lines are then lost with the process.
    func finish(within timeout: Duration) -> Bool {
        queue.withLock { $0.isFinishing = true }
        wakeUp.signal()
        let milliseconds = Int(timeout.components.seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return finished.wait(timeout: .now() + .milliseconds(milliseconds)) == .success
    }

    private func run() {
        var batch: [UInt8] = []
        while true {
            wakeUp.wait()
            let isFinishing = queue.withLock { queue in
                // The emptied batch goes back as the queue's storage: no allocation per batch.
                swap(&queue.bytes, &batch)
                return queue.isFinishing
            }
            write(batch)
            batch.removeAll(keepingCapacity: true)
            // Nothing is queued once finishing has begun, so this batch was the last.
            if isFinishing {
                finished.signal()
                return
            }
        }
    }

    /// Writes all of `bytes`, however many calls that takes; on an error, counts the lines lost.
    private func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                offset += count
            } else if count < 0, errno == EINTR {
                continue
            } else {
                // A closed pipe (EPIPE; SIGPIPE is ignored) or a descriptor that is gone.
                dropped.add(bytes[offset...].count { $0 == UInt8(ascii: "\n") }, ordering: .relaxed)
                return
            }
        }
    }
}
