/// The run as an SVG document, for `--svg FILE`: allowance over time, then admitted per window.
///
/// (a) One panel per algorithm on one time axis: the charted key's allowance (tokens, or slots
/// left in a fixed window) as a line, each admitted request a green tick and each refused one a
/// red cross at the allowance it left, fixed-window boundaries dashed. (b) Admitted requests per
/// window of `--window` seconds as grouped bars, windows aligned on the busiest one, against the
/// capacity and the token bucket's bound. Written by hand, in the style of `BenchmarkChart`.
public struct SimulationChart {
    /// One run per algorithm, all over `trace`, drawn top to bottom in this order.
    public var runs: [AlgorithmRun]
    /// The trace the runs replayed; its end is the time axis's end.
    public var trace: Trace
    /// The bars' window length, `--window`.
    public var window: Duration
    /// Which sections to draw.
    public var kind: SimulatorOptions.Chart

    /// A chart of `runs` over `trace`; `window` is the bars' window length.
    public init(runs: [AlgorithmRun], trace: Trace, window: Duration, kind: SimulatorOptions.Chart) {
        self.runs = runs
        self.trace = trace
        self.window = window
        self.kind = kind
    }

    /// Fixed colours per algorithm, so each keeps its colour in every picture.
    static let palette = [
        "v1-token-bucket": "#4e79a7", "v4-gcra": "#9467bd", "v5-sliding-window": "#f28e2b", "fixed-window": "#9c755f",
    ]
    static let unknownAlgorithmColour = "#7f7f7f"
    static let admittedColour = "#2ca02c"
    static let refusedColour = "#d62728"

    // Layout, in pixels; sized to read at about 800 wide, like the benchmark chart.
    let width = 800.0
    let plotLeft = 70.0
    let plotRight = 770.0
    let panelHeight = 110.0
    let panelGap = 34.0
    let barsHeight = 200.0

    /// The chart as a complete SVG document.
    public func svg() -> String {
        var body: [String] = []
        var top = 60.0
        let limit = runs.first?.limit
        let limitText = limit.map { "capacity \($0.capacity), rate \(ResultsTable.number($0.ratePerSecond))/s" } ?? ""
        body.append(text("Trace \(trace.name): \(limitText)", x: 20, y: 28, size: 17, weight: "bold"))
        if kind != .windows {
            let (shapes, bottom) = levelPanels(top: top)
            body += shapes
            top = bottom + 24
        }
        if kind != .levels {
            let (shapes, bottom) = windowBars(top: top)
            body += shapes
            top = bottom
        }
        return svgDocument(width: width, height: top + 16, body: body)
    }

    /// The horizontal scale every section shares: seconds from 0 to the trace's end.
    var timeScale: Scale {
        Scale(low: plotLeft, high: plotRight, minimum: 0, maximum: max(trace.end.inSeconds, 1e-9))
    }

    /// Time ticks and their labels under a plot whose bottom edge is `y`.
    func timeAxis(at y: Double) -> [String] {
        let end = trace.end.inSeconds
        return secondsAxis(at: y, scale: timeScale, end: end, step: Scale.tickStep(upTo: end))
    }

    /// An algorithm's fixed colour; grey for one the palette does not know yet.
    static func colour(of algorithm: String) -> String {
        palette[algorithm] ?? unknownAlgorithmColour
    }
}
