/// The text table: one row per algorithm, under a line saying what was simulated.
public enum ResultsTable {
    /// The table for `runs` of `trace`, measuring the busiest window of length `window`.
    public static func render(_ runs: [AlgorithmRun], trace: Trace, limit: SimulationLimit, window: Duration) -> String {
        let keys = Set(trace.requests.map(\.key)).count
        var lines = [
            "trace \(trace.name): \(trace.requests.count) requests, \(keys) key\(keys == 1 ? "" : "s"), "
                + "over \(seconds(trace.end)); capacity \(limit.capacity), rate \(number(limit.ratePerSecond))/s "
                + "(fixed window \(seconds(limit.window)))",
        ]
        let header = ["algorithm", "admitted", "rejected", "max in \(seconds(window))", "longest wait"]
        var rows = [header]
        for run in runs {
            let summary = RunSummary(run, window: window)
            rows.append([
                run.algorithm, String(summary.admitted), String(summary.rejected),
                String(summary.maximumInWindow), summary.longestWait.map(seconds) ?? "-",
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                // Names left-aligned, numbers right-aligned, as in the benchmark tables.
                column == 0 ? cell.padding(widths[column] + 1) : String(repeating: " ", count: widths[column] - cell.count) + cell + "  "
            }
            lines.append(cells.joined().trailingSpacesRemoved)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Seconds with up to three decimals, trailing zeros dropped: "5 s", "0.5 s", "0.333 s".
    static func seconds(_ duration: Duration) -> String {
        number(duration.inSeconds) + " s"
    }

    /// A number with up to three decimals, trailing zeros dropped.
    static func number(_ value: Double) -> String {
        let thousandths = Int((value * 1000).rounded())
        var text = String(thousandths / 1000)
        let fraction = thousandths % 1000
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }
}

extension String {
    var trailingSpacesRemoved: String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
