import Foundation
import Glibc

/// Prometheus's `promtool` (Debian package `prometheus`), the independent judge of our output.
enum PromTool {
    /// `promtool` found on `PATH`.
    static let executablePath: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/promtool" }.first { access($0, X_OK) == 0 }
    }()

    /// Whether `CI` is set: there a missing `promtool` must fail the test, not skip it.
    static let isCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    /// Run when the binary exists, and always in CI, where a missing one then fails.
    static let shouldRun = executablePath != nil || isCI

    /// `promtool check metrics` on `text`: its exit status and everything it printed.
    ///
    /// Blocks while promtool runs, so call it from its own thread (see `onOwnThread`).
    static func checkMetrics(_ text: String) throws -> (status: Int32, output: String) {
        guard let executablePath else { throw PromToolMissing() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executablePath)
        process.arguments = ["check", "metrics"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self))
    }
}

/// `promtool` is not on `PATH` although `CI` is set.
struct PromToolMissing: Error, CustomStringConvertible {
    var description: String { "promtool is not on PATH and CI is set: install it (apt-get install prometheus)" }
}
