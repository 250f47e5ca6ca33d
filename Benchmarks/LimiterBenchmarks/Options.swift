import Foundation

/// What the command line asked for.
struct Options {
    /// The three things the harness can do.
    enum Command {
        /// The timed table, then memory per key (the default).
        case measure
        /// `--key-flood`: never-repeating keys for one stage, one line per second.
        case keyFlood
        /// `--memory-per-key STAGE`, hidden: the child process that prints one stage's bytes per key.
        case memoryPerKey(stage: String)
        /// `--help`: the usage, on standard output.
        case help
    }

    var command = Command.measure
    var isQuick = false
    var rounds = 7
    var markdownPath: String?
    var svgPath: String?
    var stage = "V3"
    var seconds = 60
    var keys: Int?
    var maximumKeyCount = 100_000
    var memoryLimitMiB = 2_048

    static let usage = """
        usage: LimiterBenchmarks [--quick] [--rounds N] [--markdown FILE] [--svg FILE]
               LimiterBenchmarks --key-flood [--stage NAME] [--seconds N] [--max-keys N] [--memory-limit-mib N]

          --help                this text
          --quick               fewer operations per round (a smoke run)
          --rounds N            timed rounds per row, median reported (default 7)
          --markdown FILE       also write the results as a Markdown table
          --svg FILE            also write the stage rows as an SVG bar chart
          --key-flood           decide for never-repeating keys, print one line per second
          --stage NAME          the stage to flood (default V3)
          --seconds N           how long to flood (default 60)
          --max-keys N          key bound for stages that have one (default 100000)
          --memory-limit-mib N  stop the flood past this resident size (default 2048)
        """

    /// Parses `arguments` (without the program name); throws with a message on anything unknown.
    init(parsing arguments: [String]) throws(UsageError) {
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            switch flag {
            case "--help", "-h": command = .help
            case "--quick": isQuick = true
            case "--key-flood": command = .keyFlood
            case "--rounds": rounds = try Self.positiveInteger(after: flag, in: &remaining)
            case "--seconds": seconds = try Self.positiveInteger(after: flag, in: &remaining)
            case "--max-keys": maximumKeyCount = try Self.positiveInteger(after: flag, in: &remaining)
            case "--memory-limit-mib": memoryLimitMiB = try Self.positiveInteger(after: flag, in: &remaining)
            case "--keys": keys = try Self.positiveInteger(after: flag, in: &remaining)
            case "--markdown": markdownPath = try Self.value(after: flag, in: &remaining)
            case "--svg": svgPath = try Self.value(after: flag, in: &remaining)
            case "--stage": stage = try Self.value(after: flag, in: &remaining)
            case "--memory-per-key": command = .memoryPerKey(stage: try Self.value(after: flag, in: &remaining))
            default: throw UsageError("unknown argument \(flag)")
            }
        }
    }

    private static func value(after flag: String, in remaining: inout ArraySlice<String>) throws(UsageError) -> String {
        guard let value = remaining.popFirst(), !value.hasPrefix("--") else { throw UsageError("\(flag) needs a value") }
        return value
    }

    private static func positiveInteger(after flag: String, in remaining: inout ArraySlice<String>) throws(UsageError) -> Int {
        let text = try value(after: flag, in: &remaining)
        guard let number = Int(text), number > 0 else { throw UsageError("\(flag) needs a positive integer, not \(text)") }
        return number
    }
}

/// A command line the harness cannot follow.
struct UsageError: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}

/// Prints the problem and the usage to standard error and exits with status 2.
func exitWithUsage(_ message: String) -> Never {
    printToStandardError("LimiterBenchmarks: \(message)\n\(Options.usage)")
    exit(2)
}

/// Prints `text` and a newline to standard error, keeping standard output for results.
func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
