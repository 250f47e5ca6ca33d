/// One line of the results: a scenario measured for one stage (or for none, "-").
struct Row {
    var scenario: String
    var stage: String
    var sample: Sample
    var target: String
}

/// What one run produced, as the console, Markdown and chart writers read it.
struct BenchmarkResults {
    var rounds: Int
    var operations: Int
    var rows: [Row]
    /// The clock-read row's sample: every ratio is taken against its median.
    var floor: Sample
    var memoryPerKey: [MemoryPerKeyResult]
}

/// A value with one decimal, "28.6"; "-" when there is none.
func formatted(_ value: Double) -> String {
    guard value.isFinite else { return "-" }
    let tenths = Int((value * 10).rounded())
    let sign = tenths < 0 ? "-" : ""
    return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
}

/// An integer with thousands separators, "1,000,000".
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var text = ""
    for (index, digit) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
        text.append(digit)
    }
    return value < 0 ? "-" + text : text
}

func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

extension BenchmarkResults {
    /// Prints the table and the memory figures to standard output.
    func printTable() {
        print("Limiter benchmarks: median of \(rounds) rounds x \(operations) operations, ns per decision (wall clock)")
        print(padded("scenario", 34) + padded("stage", 7) + padded("median", 9) + padded("min", 9) + padded("max", 9)
              + padded("x floor", 9) + "target")
        for row in rows {
            let ratio = row.sample.median / floor.median
            print(padded(row.scenario, 34) + padded(row.stage, 7) + padded(formatted(row.sample.median), 9)
                  + padded(formatted(row.sample.minimum), 9) + padded(formatted(row.sample.maximum), 9)
                  + padded(formatted(ratio), 9) + row.target)
        }
        guard !memoryPerKey.isEmpty else { return }
        print("")
        print("Memory per key: resident-set growth / keys, fresh child process per stage (target \(MemoryPerKey.target), for V4)")
        for result in memoryPerKey {
            let figure = result.bytesPerKey.map { "\(formatted($0)) B" } ?? "not measured (child process failed)"
            print(padded(result.stage, 7) + padded(grouped(result.keys) + " keys", 18) + figure)
        }
    }
}
