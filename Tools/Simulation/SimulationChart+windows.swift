extension SimulationChart {
    /// Admitted requests per window of `window`, grouped by window, one bar per algorithm.
    ///
    /// Windows are laid end to end starting from the busiest window of the algorithm that admits
    /// the most in one, so that window appears whole as one bar group (a boundary burst, for the
    /// fixed window). Dashed lines: the capacity, and the token bucket's bound capacity + rate·w.
    func windowBars(top: Double) -> (shapes: [String], bottom: Double) {
        guard let limit = runs.first?.limit else { return ([], top) }
        let length = window.inSeconds
        let summaries = runs.map { RunSummary($0, window: window) }
        let worst = summaries.indices.max { summaries[$0].maximumInWindow < summaries[$1].maximumInWindow }
        let anchor = worst.flatMap { summaries[$0].busiestWindowStart?.inSeconds } ?? 0
        // Step back from the anchor to the first window that still reaches time zero.
        var start = anchor - (anchor / length).rounded(.down) * length
        if start > 0 { start -= length }
        var starts: [Double] = []
        while start <= trace.end.inSeconds {
            starts.append(start)
            start += length
        }
        let counts = runs.map { run in starts.map { admitted(in: run, from: $0, length: length) } }
        let bound = limit.tokenBucketBound(over: window)
        let largest = max(Double(counts.flatMap { $0 }.max() ?? 0), bound, Double(limit.capacity))
        let step = Scale.tickStep(upTo: largest, count: 5)
        let plotTop = top + 44
        let plotBottom = plotTop + barsHeight
        let countScale = Scale(low: plotBottom, high: plotTop, minimum: 0, maximum: (largest * 1.1 / step).rounded(.up) * step)

        var shapes = [
            text("Admitted per window of \(ResultsTable.seconds(window)), windows aligned on the busiest one",
                 x: 20, y: top, size: 12, fill: "#555555"),
        ]
        for (index, run) in runs.enumerated() {
            let left = 20 + Double(index) * 160
            shapes.append(rect(x: left, y: top + 12, width: 14, height: 14, fill: Self.colour(of: run.algorithm)))
            shapes.append(text(run.algorithm, x: left + 20, y: top + 24, size: 12))
        }
        for tick in stride(from: 0.0, through: countScale.maximum + step / 2, by: step) {
            let y = countScale.position(tick)
            shapes.append(line(x1: plotLeft, y1: y, x2: plotRight, y2: y, stroke: tick == 0 ? "#444444" : "#eeeeee"))
            shapes.append(text(ResultsTable.number(tick), x: plotLeft - 6, y: y + 4, size: 11, anchor: "end", fill: "#444444"))
        }
        // Bars are clipped at time zero and the trace's end, as the windows are.
        let groupGap = 0.15
        for (slot, windowStart) in starts.enumerated() {
            let left = timeScale.position(max(windowStart, 0))
            let right = timeScale.position(windowStart + length)
            let groupWidth = (right - left) * (1 - groupGap)
            let barWidth = groupWidth / Double(max(runs.count, 1))
            for (index, run) in runs.enumerated() where counts[index][slot] > 0 {
                let y = countScale.position(Double(counts[index][slot]))
                shapes.append(rect(x: left + (right - left) * groupGap / 2 + Double(index) * barWidth, y: y,
                                   width: barWidth, height: plotBottom - y, fill: Self.colour(of: run.algorithm)))
            }
        }
        shapes += reference(at: Double(limit.capacity), label: "capacity \(limit.capacity)", scale: countScale, colour: "#444444")
        shapes.append(contentsOf: reference(at: bound, label: "token bucket bound: capacity + rate·w = \(ResultsTable.number(bound))",
                                            scale: countScale, colour: Self.admittedColour))
        shapes += timeAxis(at: plotBottom)
        return (shapes, plotBottom + 34)
    }

    /// Admitted cost of `run` in the half-open window `[start, start + length)`.
    private func admitted(in run: AlgorithmRun, from start: Double, length: Double) -> Int {
        run.outcomes.reduce(0) { total, outcome in
            let time = outcome.request.time.inSeconds
            return outcome.decision.isAllowed && time >= start && time < start + length ? total + outcome.request.cost : total
        }
    }

    /// A labelled dashed horizontal line across the plot.
    private func reference(at value: Double, label: String, scale: Scale, colour: String) -> [String] {
        let y = scale.position(value)
        return [
            line(x1: plotLeft, y1: y, x2: plotRight, y2: y, stroke: colour, width: 1.5, dash: "6 4"),
            text(label, x: plotRight - 4, y: y - 5, size: 11, anchor: "end", fill: colour, halo: true),
        ]
    }
}
