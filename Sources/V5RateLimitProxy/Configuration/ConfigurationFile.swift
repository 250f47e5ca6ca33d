import Foundation
import Glibc

/// Reads a configuration file whole, whatever kind of file it is, up to a bound.
///
/// Read until the end of the file rather than for the size the kernel reports, the rejected
/// alternative (`FileManager.contents(atPath:)`): that refused a pipe, `--config <(envsubst <
/// proxy.json)` being a usual way to fill in a template, as unreadable, and stopped after the
/// first page of a file whose reported size is 0. The bound keeps `--config /dev/zero` from
/// filling memory.
enum ConfigurationFile {
    /// The most a configuration file may hold: 100,000 API keys take about 4 MiB.
    static let maximumByteCount = 64 << 20

    /// The bytes of the file at `path`; the error names the path and what went wrong.
    static func contents(of path: String) throws(ConfigurationError) -> Data {
        // Opened without blocking, so a named pipe nobody writes to reads as empty instead of
        // waiting forever for a writer; reads then block as usual.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, "cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { throw failure(path, "is a directory") }
        var bytes = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 {
                // Said plainly rather than as a JSON error; a named pipe nobody writes to ends here too.
                guard !bytes.isEmpty else { throw failure(path, "is empty") }
                return bytes
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path, "cannot be read: \(String(cString: strerror(errno)))")
            }
            guard bytes.count + count <= maximumByteCount else { throw failure(path, "is larger than \(maximumByteCount >> 20) MiB") }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    private static func failure(_ path: String, _ problem: String) -> ConfigurationError {
        ConfigurationError(field: "--config", value: path, problem: problem)
    }
}
