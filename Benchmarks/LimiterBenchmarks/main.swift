// Measures every stage with the same scenarios and prints one table.
// Build with optimizations: `swift run -c release LimiterBenchmarks [--rounds N] [--quick]`;
// `--help` lists the rest (Markdown and SVG output, the key flood).
import Foundation

let options: Options
do {
    options = try Options(parsing: Array(CommandLine.arguments.dropFirst()))
} catch {
    exitWithUsage(error.message)
}

switch options.command {
case .measure:
    break
case .help:
    print(Options.usage)
    exit(0)
case .memoryPerKey(let stageName):
    // The child process of `MemoryPerKey.measureInChildProcess`: one number, nothing else.
    guard let measure = BenchmarkStage.named(stageName)?.memoryPerKey else {
        exitWithUsage("--memory-per-key: no keyed stage called \(stageName)")
    }
    guard let bytesPerKey = measure(options.keys ?? MemoryPerKey.keyCount) else {
        printToStandardError("cannot read /proc/self/statm")
        exit(1)
    }
    print(bytesPerKey)
    exit(0)
case .keyFlood:
    guard let flood = BenchmarkStage.named(options.stage)?.keyFlood else {
        let keyed = BenchmarkStage.all.filter { $0.keyFlood != nil }.map(\.name).joined(separator: ", ")
        exitWithUsage("--stage: no keyed stage called \(options.stage) (keyed stages: \(keyed))")
    }
    flood(KeyFloodSettings(duration: .seconds(options.seconds), maximumKeyCount: options.maximumKeyCount,
                           memoryLimitMiB: options.memoryLimitMiB))
    exit(0)
}

let rounds = options.rounds
let operations = options.isQuick ? 200_000 : 5_000_000

// A server is multi-threaded, and glibc takes shortcuts until a process starts its first thread
// (`pthread_mutex_lock` without an atomic instruction, `malloc` without arena locks), which would
// flatter some rows. One short-lived thread switches them off for the rest of the process.
Thread { }.start()
while !Thread.isMultiThreaded() {}

var rows: [Row] = []
let clock = Scenarios.clockRead(rounds: rounds, operations: operations)
rows.append(Row(scenario: "clock read (CLOCK_MONOTONIC)", stage: "-", sample: clock, target: "floor"))
rows.append(Row(scenario: "clock read (ContinuousClock.now)", stage: "-",
                sample: Scenarios.continuousClockRead(rounds: rounds, operations: operations), target: "-"))
rows.append(Row(scenario: "elapsed -> tokens, Int64 ns", stage: "-",
                sample: Scenarios.elapsedTokensFromNanoseconds(rounds: rounds, operations: operations), target: "-"))
rows.append(Row(scenario: "elapsed -> tokens, Duration.comps", stage: "-",
                sample: Scenarios.elapsedTokensFromDuration(rounds: rounds, operations: operations), target: "-"))
rows.append(Row(scenario: "elapsed -> tokens, Duration / 1s", stage: "-",
                sample: Scenarios.elapsedTokensFromDurationRatio(rounds: rounds, operations: operations), target: "-"))
rows.append(Row(scenario: "lock + unlock, Mutex", stage: "-",
                sample: Scenarios.mutexLockAndUnlock(rounds: rounds, operations: operations), target: "-"))
rows.append(Row(scenario: "lock + unlock, pthread_mutex_t", stage: "-",
                sample: Scenarios.pthreadMutexLockAndUnlock(rounds: rounds, operations: operations), target: "-"))

// Each stage's rows, in the order of `BenchmarkStage.all`; a new stage adds one line there.
for stage in BenchmarkStage.all {
    rows += stage.timedRows(rounds, operations)
}
// Stage 4's building blocks, and its way of amortising the clock read: the kernel's last tick.
rows.append(Row(scenario: "hash one word (hashValue)", stage: "-",
                sample: Scenarios.hashOfOneWord(rounds: rounds, operations: operations), target: "-"))
rows.append(Row(scenario: "random read in 32 MiB", stage: "-",
                sample: Scenarios.randomReadIn32MiB(rounds: rounds, operations: operations), target: "-"))
rows.append(Row(scenario: "compare-and-swap, uncontended", stage: "-",
                sample: Scenarios.compareAndSwap(rounds: rounds, operations: operations), target: "-"))
rows.append(Row(scenario: "clock read (MONOTONIC_COARSE)", stage: "-",
                sample: Scenarios.coarseClockRead(rounds: rounds, operations: operations), target: "-"))
rows.append(Row(scenario: "one key, coarse clock read", stage: "V4",
                sample: Scenarios.oneKeyWithClockRead(StageFourCoarseClockSubject.self, rounds: rounds, operations: operations),
                target: "<= 1.3x floor"))

let results = BenchmarkResults(
    rounds: rounds,
    operations: operations,
    rows: rows,
    floor: clock,
    memoryPerKey: MemoryPerKey.measureAllStages(keys: MemoryPerKey.keyCount)
)
results.printTable()

do {
    if let path = options.markdownPath {
        try results.markdown().write(toFile: path, atomically: true, encoding: .utf8)
        print("wrote \(path)")
    }
    if let path = options.svgPath {
        try BenchmarkChart(results: results).svg().write(toFile: path, atomically: true, encoding: .utf8)
        print("wrote \(path)")
    }
} catch {
    printToStandardError("cannot write output: \(error)")
    exit(1)
}
