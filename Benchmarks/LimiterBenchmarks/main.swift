// Measures every stage with the same scenarios and prints one table.
// Build with optimizations: `swift run -c release LimiterBenchmarks [--rounds N] [--quick]`.
import Foundation

let arguments = CommandLine.arguments
let isQuick = arguments.contains("--quick")
let rounds = arguments.firstIndex(of: "--rounds").flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil } ?? 7
let operations = isQuick ? 200_000 : 5_000_000

struct Row {
    var scenario: String
    var stage: String
    var sample: Sample
    var target: String
}

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

func singleThreadRows<Subject: SingleThreadSubject>(_ subject: Subject.Type, stage: String) -> [Row] {
    [
        Row(scenario: "one key, instant passed in", stage: stage,
            sample: Scenarios.oneKeyInstantPassedIn(subject, rounds: rounds, operations: operations), target: "<= 8 ns"),
        Row(scenario: "one key, clock read included", stage: stage,
            sample: Scenarios.oneKeyWithClockRead(subject, rounds: rounds, operations: operations), target: "<= 1.5x floor"),
    ]
}

func sharedRows<Subject: SharedSubject>(_ subject: Subject.Type, stage: String) -> [Row] {
    [
        Row(scenario: "1,000,000 random keys", stage: stage,
            sample: Scenarios.millionRandomKeys(subject, rounds: rounds, operations: operations), target: "-"),
        Row(scenario: "two threads, one key", stage: stage,
            sample: Scenarios.twoThreadsOneKey(subject, rounds: rounds, operations: operations / 2), target: "<= 75 ns"),
    ]
}

// Each new stage adds its adapter's rows here.
rows += singleThreadRows(StageOneSubject.self, stage: "V1")
rows += singleThreadRows(StageTwoSubject.self, stage: "V2")
rows += sharedRows(StageTwoSubject.self, stage: "V2")
rows += singleThreadRows(StageThreeSubject.self, stage: "V3")
rows += sharedRows(StageThreeSubject.self, stage: "V3")

func formatted(_ value: Double) -> String {
    let text = String(Int((value * 10).rounded()))
    let whole = text.dropLast().isEmpty ? "0" : String(text.dropLast())
    return "\(whole).\(text.last!)"
}

func padded(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

print("Limiter benchmarks: median of \(rounds) rounds x \(operations) operations, ns per decision (wall clock)")
print(padded("scenario", 34) + padded("stage", 7) + padded("median", 9) + padded("min", 9) + padded("max", 9)
      + padded("x floor", 9) + "target")
for row in rows {
    let ratio = row.sample.median / clock.median
    print(padded(row.scenario, 34) + padded(row.stage, 7) + padded(formatted(row.sample.median), 9)
          + padded(formatted(row.sample.minimum), 9) + padded(formatted(row.sample.maximum), 9)
          + padded(formatted(ratio), 9) + row.target)
}
