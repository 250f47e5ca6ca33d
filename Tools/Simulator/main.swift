import Foundation
import Simulation

// Bad input is the user's mistake, not the program's: say what is wrong and exit with 2.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("Simulator: \(message)\n".utf8))
    exit(2)
}

let options: SimulatorOptions
do {
    options = try SimulatorOptions(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    fail(error.description)
}
if options.showsHelp {
    print(SimulatorOptions.usage)
    exit(0)
}

if let picture = options.picture, let path = options.svgPath {
    do {
        try picture.svg().write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        fail("cannot write the picture to '\(path)': \(error.localizedDescription)")
    }
    print("\(picture.rawValue) written to \(path)")
    exit(0)
}

let trace: Trace
switch options.traceSource {
case .builtIn(let builtIn):
    trace = builtIn.trace(for: options.limit)
case .csvFile(let path):
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read the trace file '\(path)'") }
    guard let text = String(data: data, encoding: .utf8) else { fail("\(path): not UTF-8 text") }
    do {
        trace = try CSVTrace.parse(text, name: (path as NSString).lastPathComponent, limit: options.limit)
    } catch {
        fail("\(path): \(error.description)")
    }
}

var runs: [AlgorithmRun] = []
for algorithm in options.algorithms {
    do {
        runs.append(try Simulation.run(algorithm, trace: trace, limit: options.limit))
    } catch {
        fail(error.description)
    }
}
print(ResultsTable.render(runs, trace: trace, limit: options.limit, window: options.effectiveWindow), terminator: "")

if let path = options.svgPath {
    let chart = SimulationChart(runs: runs, trace: trace, window: options.effectiveWindow, kind: options.chart)
    do {
        try chart.svg().write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        fail("cannot write the chart to '\(path)': \(error.localizedDescription)")
    }
    print("chart written to \(path)")
}
