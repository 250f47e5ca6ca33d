import Foundation
import Glibc
import HTTPEngine
import Testing

/// The access log, from the hostile side: standard output is a pipe whose reader stops reading,
/// as a stalled log shipper's does.
@Suite struct ProxyAccessLogTests {
    let group = try! EventLoopGroup(loopCount: 1)

    /// 24,000 requests while nobody reads the pipe: every one is answered, the lines past what
    /// the pipe and the writer's 4 MiB queue hold are dropped and counted, and once the pipe is
    /// read again every other line arrives, whole.
    // With one blocking write per line on the loop, the loop stopped at the 64 KiB the pipe
    // holds, a few hundred requests in, and so did every request after them.
    @Test func aStalledAccessLogReaderDoesNotStopTheProxy() async throws {
        // Not read until the requests are done.
        let pipe = try StalledPipe()
        let reader = pipe.reader
        let proxy = try await ProxyProcess.start(arguments: ["--rps", "1000000", "--burst", "1000000"], standardOutput: pipe.path)
        let client = HTTPClient(eventLoopGroup: group)
        let total = 24_000
        let statuses = try await getConcurrently(total, client, port: proxy.port)
        #expect(statuses.count == total && statuses.allSatisfy { $0 == 200 })
        let metrics = try await get(client, port: proxy.adminPort, path: "/metrics").body
        let dropped = metrics.split(separator: "\n").first { $0.hasPrefix("proxy_access_log_dropped_lines_total ") }
            .flatMap { Int($0.split(separator: " ")[1]) } ?? -1
        #expect(dropped > 0, "nothing dropped: the pipe and the queue held every line?")

        var lines = 0, tornLines = 0
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let deadline = ContinuousClock.now + .seconds(30)
        while lines + dropped < total, ContinuousClock.now < deadline {
            let count = chunk.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
            guard count > 0 else {
                // The writer refills the pipe on its own thread; nothing to drive, so poll.
                try await Task.sleep(for: .milliseconds(5))
                continue
            }
            pending += chunk[..<count]
            while let end = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeSubrange(...end)
                lines += 1
                if !(line.hasPrefix("{") && line.hasSuffix("}") && line.contains(#""event":"request""#)) { tornLines += 1 }
            }
        }
        #expect(lines + dropped == total, "\(lines) lines read, \(dropped) dropped, of \(total)")
        #expect(tornLines == 0 && pending.isEmpty)
        await client.shutdown()
        withExtendedLifetime(pipe) {}
    }

    /// 12,000 requests with 4 KiB paths while nobody reads: 48 MiB of log lines, of which the
    /// proxy keeps at most its 4 MiB queue. Its resident memory grows by less than 16 MiB.
    // The other test shows lines are dropped and counted; this one that what is not dropped is
    // bounded by the queue and not by the traffic. An unbounded queue would grow by the 48 MiB.
    @Test func aStalledAccessLogReaderCostsTheProxyAtMostTheQueuesMemory() async throws {
        let pipe = try StalledPipe()
        let proxy = try await ProxyProcess.start(arguments: ["--rps", "1000000", "--burst", "1000000"], standardOutput: pipe.path)
        let client = HTTPClient(eventLoopGroup: group)
        // Warm up first: the loops' buffers and the allocator's arenas, which any traffic grows.
        let shortPath = "/warm-up"
        for _ in 0..<200 { _ = try await get(client, port: proxy.port, path: shortPath) }
        let before = try #require(Self.residentBytes(of: proxy.pid))
        let longPath = "/" + String(repeating: "a", count: 4_000)
        let statuses = try await getConcurrently(12_000, client, port: proxy.port, path: longPath)
        #expect(statuses.count == 12_000 && statuses.allSatisfy { $0 == 200 })
        let after = try #require(Self.residentBytes(of: proxy.pid))
        #expect(after - before < 16 << 20, "resident memory grew by \(after - before) bytes")
        await client.shutdown()
        withExtendedLifetime(pipe) {}
    }

    /// The resident set of process `pid`, in bytes (`VmRSS` in `/proc/<pid>/status`).
    static func residentBytes(of pid: pid_t) -> Int? {
        guard let data = try? FileHandle(forReadingAtPath: "/proc/\(pid)/status")?.readToEnd() else { return nil }
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
        return line.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }.map { $0 * 1024 }
    }
}
