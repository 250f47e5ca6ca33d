// The few SVG elements the simulator's charts use, written by hand as in
// `Benchmarks/LimiterBenchmarks/BenchmarkChart.swift`, so the tool needs no package.

/// A number for an SVG attribute: at most two decimals, trailing zeros dropped, so output is stable byte for byte.
func svgNumber(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let sign = hundredths < 0 ? "-" : ""
    let whole = abs(hundredths) / 100
    let fraction = abs(hundredths) % 100
    if fraction == 0 { return "\(sign)\(whole)" }
    return fraction % 10 == 0 ? "\(sign)\(whole).\(fraction / 10)" : "\(sign)\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
}

/// A whole SVG document of `body`'s elements on a white background, in the charts' font.
func svgDocument(width: Double, height: Double, body: [String]) -> String {
    ([
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">",
        "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>",
    ] + body + ["</svg>"]).joined(separator: "\n") + "\n"
}

func rect(x: Double, y: Double, width: Double, height: Double, fill: String) -> String {
    "<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(max(width, 0)))\" height=\"\(svgNumber(max(height, 0)))\" "
        + "fill=\"\(fill)\"/>"
}

/// A `<line>`; `dash` such as "6 4" makes it dashed.
func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dash: String? = nil) -> String {
    "<line x1=\"\(svgNumber(x1))\" y1=\"\(svgNumber(y1))\" x2=\"\(svgNumber(x2))\" y2=\"\(svgNumber(y2))\" "
        + "stroke=\"\(stroke)\" stroke-width=\"\(svgNumber(width))\"" + (dash.map { " stroke-dasharray=\"\($0)\"" } ?? "") + "/>"
}

/// A red "×" centred on (x, y): a refused request.
func cross(x: Double, y: Double) -> String {
    let size = 4.0
    return "<path d=\"M\(svgNumber(x - size)),\(svgNumber(y - size)) L\(svgNumber(x + size)),\(svgNumber(y + size)) "
        + "M\(svgNumber(x - size)),\(svgNumber(y + size)) L\(svgNumber(x + size)),\(svgNumber(y - size))\" "
        + "stroke=\"\(SimulationChart.refusedColour)\" stroke-width=\"2\"/>"
}

/// A `<polyline>` through `points`, unfilled.
func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2) -> String {
    let coordinates = points.map { "\(svgNumber($0.x)),\(svgNumber($0.y))" }.joined(separator: " ")
    return "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(svgNumber(width))\" "
        + "stroke-linejoin=\"round\"/>"
}

/// A `<text>`; with `halo`, a white outline keeps it readable where it crosses a line.
func text(
    _ content: String, x: Double, y: Double, size: Int, anchor: String = "start", weight: String = "normal",
    fill: String = "#222222", halo: Bool = false
) -> String {
    let outline = halo ? " stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"" : ""
    return "<text x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" "
        + "font-weight=\"\(weight)\" fill=\"\(fill)\"\(outline)>\(escapedForXML(content))</text>"
}

func escapedForXML(_ text: String) -> String {
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

/// A seconds axis along `y` under a plot spanning `scale`: a tick every `step` from 0 to `end`, labelled.
func secondsAxis(at y: Double, scale: Scale, end: Double, step: Double) -> [String] {
    var shapes = [line(x1: scale.low, y1: y, x2: scale.high, y2: y, stroke: "#444444")]
    for tick in stride(from: 0.0, through: end + step / 1000, by: step) {
        let x = scale.position(tick)
        shapes.append(line(x1: x, y1: y, x2: x, y2: y + 4, stroke: "#444444"))
        shapes.append(text(ResultsTable.number(tick), x: x, y: y + 17, size: 11, anchor: "middle", fill: "#444444"))
    }
    shapes.append(text("seconds", x: scale.high, y: y + 31, size: 11, anchor: "end", fill: "#444444"))
    return shapes
}

/// Maps a value range onto a pixel range, clamping outside it; a `low` pixel below `high` puts the maximum at the top.
struct Scale {
    var low: Double
    var high: Double
    var minimum: Double
    var maximum: Double

    func position(_ value: Double) -> Double {
        let span = maximum > minimum ? maximum - minimum : 1
        return low + (high - low) * (min(max(value, minimum), maximum) - minimum) / span
    }

    /// A round tick step (1, 2 or 5 × a power of ten) giving about `count` ticks over `0...largest`.
    static func tickStep(upTo largest: Double, count: Double = 8) -> Double {
        let rough = max(largest, 1e-9) / count
        var magnitude = 1.0
        while magnitude > rough { magnitude /= 10 }
        while magnitude * 10 <= rough { magnitude *= 10 }
        return [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
    }
}
