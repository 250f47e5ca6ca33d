extension SimulationChart {
    /// One panel per algorithm: allowance line, request marks, window boundaries; then the time axis.
    func levelPanels(top: Double) -> (shapes: [String], bottom: Double) {
        let key = runs.first?.chartedKey ?? "-"
        let windowNote = switch (showsBoundaries, runs.contains(where: { $0.algorithm == StageFiveSlidingWindow.name })) {
        case (true, true): "; for the windows, requests left (the sliding window's estimate)"
        case (true, false): "; for the fixed window, requests left in the window"
        case (false, true): "; for the sliding window, requests left by its estimate"
        case (false, false): ""
        }
        var shapes = [
            text("Allowance of key '\(key)' over time: tokens" + windowNote, x: 20, y: top, size: 12, fill: "#555555"),
        ]
        shapes += legend(x: 20, y: top + 12, withBoundaries: showsBoundaries)
        var panelTop = top + 50
        for run in runs {
            shapes += panel(for: run, top: panelTop)
            panelTop += panelHeight + panelGap
        }
        let bottom = panelTop - panelGap
        shapes += timeAxis(at: bottom)
        return (shapes, bottom + 34)
    }

    /// The marks' meaning, drawn once above the panels.
    private func legend(x: Double, y: Double, withBoundaries: Bool) -> [String] {
        let marks = [
            line(x1: x + 5, y1: y + 2, x2: x + 5, y2: y + 14, stroke: Self.admittedColour, width: 2.5),
            text("admitted", x: x + 14, y: y + 12, size: 12),
            cross(x: x + 95, y: y + 8),
            text("refused", x: x + 104, y: y + 12, size: 12),
        ]
        guard withBoundaries else { return marks }
        return marks + [
            line(x1: x + 175, y1: y + 8, x2: x + 205, y2: y + 8, stroke: "#999999", dash: "4 3"),
            text("fixed-window boundary", x: x + 211, y: y + 12, size: 12),
        ]
    }

    /// One algorithm's panel: a frame, 0 and capacity gridlines, the allowance line and the marks.
    private func panel(for run: AlgorithmRun, top: Double) -> [String] {
        let capacity = Double(run.limit.capacity)
        let bottom = top + panelHeight
        let levelScale = Scale(low: bottom, high: top, minimum: 0, maximum: capacity)
        let colour = Self.colour(of: run.algorithm)
        var shapes = [
            text(run.algorithm, x: plotLeft, y: top - 6, size: 13, weight: "bold", fill: colour),
            line(x1: plotLeft, y1: top, x2: plotRight, y2: top, stroke: "#dddddd"),
            line(x1: plotLeft, y1: bottom, x2: plotRight, y2: bottom, stroke: "#bbbbbb"),
            line(x1: plotLeft, y1: top, x2: plotLeft, y2: bottom, stroke: "#444444"),
            text(ResultsTable.number(capacity), x: plotLeft - 6, y: top + 4, size: 11, anchor: "end", fill: "#444444"),
            text("0", x: plotLeft - 6, y: bottom + 4, size: 11, anchor: "end", fill: "#444444"),
        ]
        // Boundaries in every panel, not just the fixed window's: the token buckets ignore them, which is the point.
        let windowLength = run.limit.window.inSeconds
        var boundary = windowLength
        while showsBoundaries, boundary < trace.end.inSeconds {
            let x = timeScale.position(boundary)
            shapes.append(line(x1: x, y1: top, x2: x, y2: bottom, stroke: "#999999", dash: "4 3"))
            boundary += windowLength
        }
        let points = run.levels.map { (x: timeScale.position($0.time.inSeconds), y: levelScale.position($0.allowance)) }
        shapes.append(polyline(points, stroke: colour))
        for outcome in run.outcomes where outcome.request.key == run.chartedKey {
            let x = timeScale.position(outcome.request.time.inSeconds)
            let y = levelScale.position(outcome.allowanceAfter)
            shapes.append(outcome.decision.isAllowed
                ? line(x1: x, y1: y - 6, x2: x, y2: y + 6, stroke: Self.admittedColour, width: 2.5)
                : cross(x: x, y: y))
        }
        return shapes
    }

    /// Whether a fixed window is among the runs; only then are its boundaries worth drawing.
    private var showsBoundaries: Bool {
        runs.contains { $0.algorithm == FixedWindowCounter.name }
    }
}
