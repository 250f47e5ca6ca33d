import Foundation

/// The stage rows as a grouped horizontal bar chart in SVG, for `--svg FILE`.
///
/// One group per scenario that has stage rows, one bar per stage (its median), a thin line
/// from the fastest to the slowest round, and the clock-read floor as a dashed line. Written
/// by hand as `<rect>`, `<line>` and `<text>` so the harness needs no package. A new stage's
/// rows appear by themselves; its colour comes from `palette`.
struct BenchmarkChart {
    var results: BenchmarkResults

    /// Fixed colours per stage, so a stage keeps its colour as later ones are added.
    static let palette = ["V1": "#4e79a7", "V2": "#f28e2b", "V3": "#59a14f", "V4": "#e15759", "V5": "#9467bd"]
    static let unknownStageColour = "#7f7f7f"

    // Layout, in pixels; sized to read at about 800 wide.
    private let width = 800.0
    private let plotLeft = 210.0
    private let plotRight = 720.0
    private let plotTop = 104.0
    private let barHeight = 18.0
    private let barGap = 5.0
    private let groupGap = 20.0

    /// The chart as a complete SVG document.
    func svg() -> String {
        let groups = scenarioGroups()
        let bars = Double(groups.reduce(0) { $0 + $1.rows.count })
        let plotBottom = plotTop + bars * (barHeight + barGap) + Double(max(groups.count - 1, 0)) * groupGap + barGap
        let height = plotBottom + 56
        let largest = groups.flatMap(\.rows).map { max($0.sample.median, $0.sample.maximum.isFinite ? $0.sample.maximum : 0) }
        let (step, axisMaximum) = Self.axis(upTo: max(largest.max() ?? 1, results.floor.median))
        let scale = Scale(left: plotLeft, right: plotRight, maximum: axisMaximum)

        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
                + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>",
            text("Limiter decisions by stage: median ns per decision (lower is better)", x: 20, y: 28, size: 17, weight: "bold"),
            text("Median of \(results.rounds) round\(results.rounds == 1 ? "" : "s") × \(grouped(results.operations)) decisions per bar; "
                 + "black line: fastest to slowest round",
                 x: 20, y: 50, size: 12, fill: "#555555"),
        ]
        svg += legend(for: groups)
        for tick in stride(from: 0.0, through: axisMaximum + step / 2, by: step) {
            svg.append(line(x1: scale.x(tick), y1: plotTop, x2: scale.x(tick), y2: plotBottom,
                            stroke: tick == 0 ? "#444444" : "#dddddd"))
            svg.append(text(formattedTick(tick), x: scale.x(tick), y: plotBottom + 18, size: 12, anchor: "middle", fill: "#444444"))
        }
        svg.append(text("nanoseconds per decision (linear)", x: (plotLeft + plotRight) / 2, y: plotBottom + 40,
                        size: 12, anchor: "middle", fill: "#444444"))
        let (shapes, labels) = barsAndLabels(for: groups, scale: scale)
        svg += shapes
        // The floor crosses the bars it exceeds; drawn over them, under the labels.
        let floorX = scale.x(results.floor.median)
        svg.append("<line x1=\"\(formatted(floorX))\" y1=\"\(formatted(plotTop - 8))\" x2=\"\(formatted(floorX))\" "
                   + "y2=\"\(formatted(plotBottom))\" stroke=\"#c00000\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>")
        svg.append(text("clock read floor \(formatted(results.floor.median)) ns", x: floorX + 4, y: plotTop - 12,
                        size: 12, fill: "#c00000", halo: true))
        svg += labels
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// One swatch per stage present, in table order.
    private func legend(for groups: [(scenario: String, rows: [Row])]) -> [String] {
        var stages: [String] = []
        for row in groups.flatMap(\.rows) where !stages.contains(row.stage) { stages.append(row.stage) }
        return stages.enumerated().flatMap { index, stage in
            let left = 20 + Double(index) * 80
            return [rect(x: left, y: 62, width: 14, height: 14, fill: Self.colour(of: stage)),
                    text(stage, x: left + 20, y: 74, size: 13)]
        }
    }

    /// Scenario labels, bars and round-spread lines; and, apart, the value labels that go on top.
    private func barsAndLabels(for groups: [(scenario: String, rows: [Row])], scale: Scale) -> (shapes: [String], labels: [String]) {
        var shapes: [String] = []
        var labels: [String] = []
        var top = plotTop + barGap
        for group in groups {
            let groupHeight = Double(group.rows.count) * (barHeight + barGap) - barGap
            shapes.append(text(group.scenario, x: plotLeft - 10, y: top + groupHeight / 2 + 4, size: 13, anchor: "end"))
            for row in group.rows {
                let middle = top + barHeight / 2
                shapes.append(rect(x: plotLeft, y: top, width: scale.x(row.sample.median) - plotLeft, height: barHeight,
                                   fill: Self.colour(of: row.stage)))
                if row.sample.minimum.isFinite, row.sample.maximum > row.sample.minimum {
                    shapes.append(line(x1: scale.x(row.sample.minimum), y1: middle, x2: scale.x(row.sample.maximum), y2: middle,
                                       stroke: "#222222", width: 1.5))
                }
                // After the spread line's end, so label and line never overlap.
                let labelX = scale.x(max(row.sample.median, row.sample.maximum.isFinite ? row.sample.maximum : 0)) + 5
                labels.append(text("\(row.stage) \(formatted(row.sample.median))", x: labelX, y: middle + 4, size: 12,
                                   halo: true))
                top += barHeight + barGap
            }
            top += groupGap
        }
        return (shapes, labels)
    }

    /// Scenarios with stage rows, in the order they were measured, each with its rows.
    private func scenarioGroups() -> [(scenario: String, rows: [Row])] {
        var groups: [(scenario: String, rows: [Row])] = []
        for row in results.rows where row.stage != "-" && row.sample.median.isFinite {
            if let index = groups.firstIndex(where: { $0.scenario == row.scenario }) {
                groups[index].rows.append(row)
            } else {
                groups.append((row.scenario, [row]))
            }
        }
        return groups
    }

    /// A round tick step (1, 2 or 5 × a power of ten) giving about six ticks, and the axis end.
    static func axis(upTo largest: Double) -> (step: Double, maximum: Double) {
        let rough = max(largest, 1e-9) * 1.1 / 6
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        return (step, (largest * 1.1 / step).rounded(.up) * step)
    }

    /// A stage's fixed colour; grey for a stage the palette does not know yet.
    static func colour(of stage: String) -> String {
        palette[stage] ?? unknownStageColour
    }

    private func formattedTick(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : formatted(value)
    }
}

/// Maps nanoseconds onto the plot's horizontal pixels, clamping past the axis end.
private struct Scale {
    var left: Double
    var right: Double
    var maximum: Double

    func x(_ value: Double) -> Double {
        left + (right - left) * min(max(value, 0), maximum) / maximum
    }
}

// The three SVG elements the chart uses, with text escaped.
private func rect(x: Double, y: Double, width: Double, height: Double, fill: String) -> String {
    "<rect x=\"\(formatted(x))\" y=\"\(formatted(y))\" width=\"\(formatted(max(width, 0)))\" height=\"\(formatted(height))\" "
        + "fill=\"\(fill)\"/>"
}

private func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1) -> String {
    "<line x1=\"\(formatted(x1))\" y1=\"\(formatted(y1))\" x2=\"\(formatted(x2))\" y2=\"\(formatted(y2))\" "
        + "stroke=\"\(stroke)\" stroke-width=\"\(formatted(width))\"/>"
}

/// A `<text>`; with `halo`, a white outline keeps it readable where it crosses a line.
private func text(
    _ content: String, x: Double, y: Double, size: Int, anchor: String = "start", weight: String = "normal",
    fill: String = "#222222", halo: Bool = false
) -> String {
    let outline = halo ? " stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"" : ""
    return "<text x=\"\(formatted(x))\" y=\"\(formatted(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" "
        + "font-weight=\"\(weight)\" fill=\"\(fill)\"\(outline)>\(escapedForXML(content))</text>"
}

private func escapedForXML(_ text: String) -> String {
    var escaped = ""
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&apos;"
        default: escaped.append(character)
        }
    }
    return escaped
}
