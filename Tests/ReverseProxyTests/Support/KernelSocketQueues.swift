import Foundation
import Glibc

/// Bytes the kernel holds for established TCP sockets on given ports: what their owners queued
/// and the peer has not acknowledged, and what arrived and is not yet read (`tx_queue` and
/// `rx_queue` of `/proc/net/tcp` and `/proc/net/tcp6`).
///
/// For telling the proxy's own buffering from the kernel's: on loopback a receive buffer
/// autotunes up to `net.ipv4.tcp_rmem`'s maximum (32 MiB on the test machine), so the bytes a
/// stalled sender got out say little about what the proxy holds until the kernel's are taken away.
enum KernelSocketQueues {
    static func bytes(onPorts ports: Set<UInt16>) -> Int {
        var total = 0
        for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
            guard let text = readWhole(table) else { continue }
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                // sl, local, remote, state (01: established), tx_queue:rx_queue, …
                guard fields.count > 4, fields[3] == "01",
                      let localPort = port(of: fields[1]), let remotePort = port(of: fields[2]),
                      ports.contains(localPort) || ports.contains(remotePort)
                else { continue }
                let queues = fields[4].split(separator: ":")
                guard queues.count == 2, let sent = Int(queues[0], radix: 16), let received = Int(queues[1], radix: 16) else { continue }
                total += sent + received
            }
        }
        return total
    }

    /// A /proc file read to its end: it reports a size of 0 and hands out a page or so per read,
    /// so reading what its size says (as `String(contentsOfFile:)` did) saw no socket once the
    /// table outgrew a page.
    private static func readWhole(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The port of an `address:port` field, both in hexadecimal.
    private static func port(of field: Substring) -> UInt16? {
        field.split(separator: ":").last.flatMap { UInt16($0, radix: 16) }
    }
}
