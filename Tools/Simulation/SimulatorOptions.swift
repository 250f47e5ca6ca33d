/// What the command line asked for, parsed and validated before anything runs.
public struct SimulatorOptions: Sendable {
    /// Which chart `--svg` draws.
    public enum Chart: String, Sendable {
        /// Allowance over time, one panel per algorithm; then admitted per window as bars.
        case both
        /// Only the allowance panels.
        case levels
        /// Only the admitted-per-window bars.
        case windows
    }

    /// Where the trace comes from: a built-in pattern or a CSV file's path.
    public enum TraceSource: Sendable {
        /// A pattern from `BuiltInTrace`, scaled to the limit.
        case builtIn(BuiltInTrace)
        /// A CSV file at this path.
        case csvFile(String)
    }

    /// `--trace` or `--csv`; the boundary burst by default, the trace that tells the algorithms apart.
    public var traceSource: TraceSource = .builtIn(.boundaryBurst)
    /// `--algorithms`, in registry order unless listed otherwise.
    public var algorithms: [any RateLimitAlgorithm.Type] = RateLimitAlgorithms.all
    /// `--capacity` and `--rate`, shared by every algorithm.
    public var limit: SimulationLimit
    /// The window for "max admitted in any window"; nil means the limit's own window, capacity / rate.
    public var window: Duration?
    /// `--svg`: where to write the chart; nil for no chart.
    public var svgPath: String?
    /// `--chart`: which sections the SVG holds.
    public var chart: Chart = .both
    /// `--picture`: draw this walkthrough picture to `--svg` instead of replaying a trace.
    public var picture: WalkthroughPicture?
    /// Whether `--help` was given; then nothing runs.
    public var showsHelp = false

    /// The options in `arguments` (without the program name); the error names the bad flag or value.
    public init(arguments: [String]) throws(SimulationError) {
        var capacity = 5
        var rate = 1.0
        var windowSeconds: Double?
        var algorithmList: String?
        var remaining = arguments[...]

        func value(for flag: String) throws(SimulationError) -> String {
            guard let value = remaining.popFirst() else { throw SimulationError("\(flag) needs a value") }
            return value
        }

        // Flags that shape a trace replay: a fixed picture would ignore them silently, so they are refused with it.
        var replayFlags: [String] = []
        while let flag = remaining.popFirst() {
            if ["--trace", "--csv", "--algorithms", "--capacity", "--rate", "--window", "--chart"].contains(flag) { replayFlags.append(flag) }
            switch flag {
            case "--picture":
                let name = try value(for: flag)
                guard let parsed = WalkthroughPicture(rawValue: name) else {
                    let known = WalkthroughPicture.allCases.map(\.rawValue).joined(separator: ", ")
                    throw SimulationError("unknown picture '\(name)'; pictures: \(known)")
                }
                picture = parsed
            case "--help", "-h":
                showsHelp = true
            case "--trace":
                let name = try value(for: flag)
                guard let trace = BuiltInTrace(rawValue: name) else {
                    let known = BuiltInTrace.allCases.map(\.rawValue).joined(separator: ", ")
                    throw SimulationError("unknown trace '\(name)'; built-in traces: \(known)")
                }
                traceSource = .builtIn(trace)
            case "--csv":
                traceSource = .csvFile(try value(for: flag))
            case "--algorithms":
                algorithmList = try value(for: flag)
            case "--capacity":
                let text = try value(for: flag)
                guard let parsed = Int(text) else { throw SimulationError("--capacity must be a whole number, got '\(text)'") }
                capacity = parsed
            case "--rate":
                let text = try value(for: flag)
                guard let parsed = Double(text) else { throw SimulationError("--rate must be a number of tokens per second, got '\(text)'") }
                rate = parsed
            case "--window":
                let text = try value(for: flag)
                guard let parsed = Double(text), parsed.isFinite, parsed > 0, parsed <= 86_400 else {
                    throw SimulationError("--window must be a number of seconds above 0 and at most 86400, got '\(text)'")
                }
                windowSeconds = parsed
            case "--svg":
                svgPath = try value(for: flag)
            case "--chart":
                let text = try value(for: flag)
                guard let parsed = Chart(rawValue: text) else { throw SimulationError("--chart must be both, levels or windows, got '\(text)'") }
                chart = parsed
            default:
                throw SimulationError("unknown argument '\(flag)'; see --help")
            }
        }
        if picture != nil, svgPath == nil { throw SimulationError("--picture needs --svg FILE to write it to") }
        if picture != nil, let flag = replayFlags.first {
            throw SimulationError("--picture draws a fixed picture; \(flag) applies only to a trace replay")
        }
        limit = try SimulationLimit(capacity: capacity, ratePerSecond: rate)
        if let algorithmList { algorithms = try RateLimitAlgorithms.parse(algorithmList) }
        window = windowSeconds.map { .seconds(rounding: $0) }
    }

    /// The window the busiest-window column measures.
    public var effectiveWindow: Duration { window ?? limit.window }

    /// The usage text `--help` prints, listing every trace and algorithm from their registries.
    public static var usage: String {
        // Six spaces: the interpolated lines sit under the flag descriptions, outside the literal's indentation.
        let traces = BuiltInTrace.allCases.map { "      \($0.rawValue.padding(22))\($0.summary)" }.joined(separator: "\n")
        let algorithms = RateLimitAlgorithms.all.map { "      \($0.name.padding(22))\($0.summary)" }.joined(separator: "\n")
        let pictures = WalkthroughPicture.allCases.map { "      \($0.rawValue.padding(22))\($0.summary)" }.joined(separator: "\n")
        return """
        Usage: swift run Simulator [options]

        Replays a trace of requests through rate limiters on simulated time: no clock, no sleeping,
        the same output on every run. Prints a table per algorithm; --svg also draws the run.

        Options:
          --trace NAME        a built-in trace (default boundary-burst), scaled to the limit (W = capacity/rate):
        \(traces)
          --csv FILE          read the trace from FILE instead: lines of time_seconds,key[,cost]
                              (header optional, times in seconds from 0, in order; cost defaults to 1)
          --algorithms LIST   comma-separated, or all (default):
        \(algorithms)
          --capacity N        tokens per bucket; requests per fixed window (default 5)
          --rate R            tokens per second (default 1); the fixed window is capacity/rate seconds long
          --window SECONDS    the span for "max in window" (default capacity/rate)
          --svg FILE          write an SVG chart of the run to FILE
          --chart KIND        what --svg draws: both (default), levels (allowance over time, one
                              panel per algorithm) or windows (admitted per window, as bars)
          --picture NAME      instead of a trace, draw one of the walkthroughs' fixed pictures to --svg:
        \(pictures)
          -h, --help          this text

        Columns: admitted and rejected requests; the most admitted in any window of --window seconds
        (all keys together); the longest retry-after a rejected request was given.
        Bad flags or CSV lines print a message naming the problem and exit with status 2.
        """
    }
}

extension String {
    /// The string padded with spaces to `width` characters, with at least one space after it.
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
