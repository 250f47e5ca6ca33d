import Foundation
import Glibc

/// A named pipe that a test gives a process as its standard output and does not read until it
/// chooses to, as a stalled log shipper does: writes fill the pipe's 64 KiB and then block.
///
/// Opened for reading and writing, so that opening does not wait for the writer; closed and
/// removed when released.
final class StalledPipe {
    let path: String
    /// The reading end, non-blocking.
    let reader: Int32
    private let directory: String

    init() throws {
        directory = try ProxyProcess.makeDirectory()
        path = directory + "/stdout"
        guard mkfifo(path, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        reader = open(path, O_RDWR | O_NONBLOCK)
        guard reader >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    deinit {
        if reader >= 0 { close(reader) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
