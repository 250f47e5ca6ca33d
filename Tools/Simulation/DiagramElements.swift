// Boxes and arrows for the walkthroughs' diagrams, on top of the chart elements in `SVGElements.swift`.
// Diagrams are laid out by hand in pixel coordinates: a handful of boxes reads better placed
// than computed, and the numbers stay visible in one place per diagram.

/// The diagrams' palette: the charts' greens and reds for admitted and refused, neutral boxes otherwise.
enum DiagramStyle {
    static let boxFill = "#f4f6f9"
    static let boxStroke = "#7a8794"
    static let admittedFill = "#e3f2e1"
    static let refusedFill = "#fbe3e3"
    static let warningFill = "#fff3d6"
    static let arrow = "#555555"
    static let note = "#555555"
}

/// A picture's title, and lines of notes under it in the notes' colour.
func heading(_ title: String, notes: [String]) -> [String] {
    [text(title, x: 20, y: 28, size: 17, weight: "bold")]
        + notes.enumerated().map { index, note in text(note, x: 20, y: 50 + Double(index) * 16, size: 12, fill: DiagramStyle.note) }
}

/// A rounded box with centred lines of text; the first line bold when `title` is set.
func box(
    x: Double, y: Double, width: Double, height: Double, lines: [String], fill: String = DiagramStyle.boxFill,
    stroke: String = DiagramStyle.boxStroke, title: Bool = true, size: Int = 12
) -> [String] {
    var shapes = [
        "<rect x=\"\(svgNumber(x))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" "
            + "rx=\"6\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1.2\"/>",
    ]
    let lineHeight = Double(size) + 4
    // Centre the block of lines vertically; baselines sit about a third of a line below centre.
    var baseline = y + height / 2 - lineHeight * Double(lines.count - 1) / 2 + Double(size) * 0.35
    for (index, content) in lines.enumerated() {
        shapes.append(text(content, x: x + width / 2, y: baseline, size: size, anchor: "middle",
                           weight: title && index == 0 ? "bold" : "normal"))
        baseline += lineHeight
    }
    return shapes
}

/// A straight arrow from (x1, y1) to (x2, y2) with a filled head at the end, and an optional label beside its middle.
func arrow(
    x1: Double, y1: Double, x2: Double, y2: Double, label: String? = nil, colour: String = DiagramStyle.arrow,
    dash: String? = nil, labelOffset: (x: Double, y: Double) = (6, -6), labelAnchor: String = "start"
) -> [String] {
    let length = max(((x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1)).squareRoot(), 1e-9)
    let (unitX, unitY) = ((x2 - x1) / length, (y2 - y1) / length)
    let headLength = 9.0
    let headHalfWidth = 4.5
    // The shaft stops where the head starts, so a thick line does not poke through its tip.
    let baseX = x2 - unitX * headLength
    let baseY = y2 - unitY * headLength
    let head = "<path d=\"M\(svgNumber(x2)),\(svgNumber(y2)) L\(svgNumber(baseX - unitY * headHalfWidth)),\(svgNumber(baseY + unitX * headHalfWidth)) "
        + "L\(svgNumber(baseX + unitY * headHalfWidth)),\(svgNumber(baseY - unitX * headHalfWidth)) Z\" fill=\"\(colour)\"/>"
    var shapes = [line(x1: x1, y1: y1, x2: baseX, y2: baseY, stroke: colour, width: 1.5, dash: dash), head]
    if let label {
        shapes.append(text(label, x: (x1 + x2) / 2 + labelOffset.x, y: (y1 + y2) / 2 + labelOffset.y, size: 11,
                           anchor: labelAnchor, fill: DiagramStyle.note, halo: true))
    }
    return shapes
}

/// A filled circle: one response on a timeline.
func circle(x: Double, y: Double, radius: Double = 4, fill: String) -> String {
    "<circle cx=\"\(svgNumber(x))\" cy=\"\(svgNumber(y))\" r=\"\(svgNumber(radius))\" fill=\"\(fill)\"/>"
}
