import Foundation
import Glibc
import V5ProductionLimiter

/// One log line as a JSON object, written whole with one `write(2)`, so lines from different
/// threads never interleave (stdio's buffering would hold access-log lines back until exit when
/// stdout is a pipe).
struct JSONLine {
    private var text = "{"

    init(event: String) {
        add("time", Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true)))
        add("event", event)
    }

    mutating func add(_ name: String, _ value: String) {
        if text.count > 1 { text += "," }
        text += "\"\(name)\":\"\(Self.escaped(value))\""
    }

    mutating func add(_ name: String, _ value: some BinaryInteger) {
        if text.count > 1 { text += "," }
        text += "\"\(name)\":\(value)"
    }

    mutating func add(_ name: String, milliseconds duration: Duration) {
        if text.count > 1 { text += "," }
        let (seconds, attoseconds) = duration.components
        text += "\"\(name)\":" + String(format: "%.3f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }

    /// The line, closed and ending in a newline.
    var bytes: [UInt8] { Array((text + "}\n").utf8) }

    /// Writes the line to `descriptor` at once: 2 (stderr) for lifecycle events. Access-log
    /// lines go through an `AccessLogWriter` instead.
    func write(to descriptor: Int32) {
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    }

    /// A lifecycle event (listening, draining, reloaded, stopped) on stderr.
    static func lifecycle(_ event: String, _ fields: [(String, String)] = []) {
        var line = JSONLine(event: event)
        for (name, value) in fields { line.add(name, value) }
        line.write(to: 2)
    }

    /// JSON string escaping (the stage's one implementation, shared with its error bodies).
    static func escaped(_ value: String) -> String {
        JSONString.escaped(value)
    }
}

/// Text on stderr, unbuffered.
func writeStandardError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}
