/// One stage as the harness sees it: its name and what each command runs for it.
///
/// Made by the generic factories below from a concrete adapter type, so every closure is
/// specialized for that stage; an `any SharedSubject.Type` opened at run time would measure
/// unspecialized generic code (witness-table calls per decision) instead.
struct BenchmarkStage {
    /// "V1", "V2", …: the table's stage column, the chart's colour, the value `--stage` takes.
    let name: String
    /// The timed rows, given rounds and operations per round.
    let timedRows: (_ rounds: Int, _ operations: Int) -> [Row]
    /// Resident-memory growth per key over a fresh limiter in this process; nil for stages without keys.
    let memoryPerKey: ((_ keys: Int) -> Double?)?
    /// The key flood in this process; nil for stages without keys.
    let keyFlood: ((KeyFloodSettings) -> Void)?
}

extension BenchmarkStage {
    /// Every stage, in table order.
    ///
    /// Adding a stage: write its adapter in `Subjects.swift`, then add one line here (say
    /// `.keyed("V4", StageFourSubject.self)`); the timed rows, memory per key, key flood,
    /// Markdown table and chart all pick it up, and the chart already has its colour.
    static var all: [BenchmarkStage] {
        [
            .singleThread("V1", StageOneSubject.self),
            .keyed("V2", StageTwoSubject.self),
            .keyed("V3", StageThreeSubject.self),
            .keyed("V4", StageFourSubject.self),
            .keyed("V5", StageFiveSubject.self),
        ]
    }

    /// The stage called `name`, if any.
    static func named(_ name: String) -> BenchmarkStage? {
        all.first { $0.name == name }
    }

    /// A stage that can only be driven from one thread with one key (stage 1).
    static func singleThread<Subject: SingleThreadSubject>(_ name: String, _ subject: Subject.Type) -> BenchmarkStage {
        BenchmarkStage(
            name: name,
            timedRows: { rounds, operations in
                singleThreadRows(subject, stage: name, rounds: rounds, operations: operations)
            },
            memoryPerKey: nil,
            keyFlood: nil
        )
    }

    /// A keyed stage shared by threads that also plays the single-thread part.
    static func keyed<Subject: SingleThreadSubject & SharedSubject>(_ name: String, _ subject: Subject.Type) -> BenchmarkStage {
        BenchmarkStage(
            name: name,
            timedRows: { rounds, operations in
                singleThreadRows(subject, stage: name, rounds: rounds, operations: operations)
                    + sharedRows(subject, stage: name, rounds: rounds, operations: operations)
            },
            memoryPerKey: { keys in MemoryPerKey.measureInThisProcess(subject, keys: keys) },
            keyFlood: { settings in KeyFlood.run(subject, stage: name, settings: settings) }
        )
    }

    // Targets are per stage: each stage's issue set its own (stage 4's are in docs/benchmarks.md).
    // Stage 5's issue sets none for the in-memory store (its targets are for Redis), hence "-".
    private static func target(_ stage: String, stageFour: String, earlier: String) -> String {
        switch stage {
        case "V1", "V2", "V3": earlier
        case "V4": stageFour
        default: "-"
        }
    }

    private static func singleThreadRows<Subject: SingleThreadSubject>(
        _ subject: Subject.Type, stage: String, rounds: Int, operations: Int
    ) -> [Row] {
        [
            Row(scenario: "one key, instant passed in", stage: stage,
                sample: Scenarios.oneKeyInstantPassedIn(subject, rounds: rounds, operations: operations), target: target(stage, stageFour: "<= 10 ns", earlier: "<= 8 ns")),
            Row(scenario: "one key, clock read included", stage: stage,
                sample: Scenarios.oneKeyWithClockRead(subject, rounds: rounds, operations: operations), target: target(stage, stageFour: "<= 1.3x floor", earlier: "<= 1.5x floor")),
        ]
    }

    private static func sharedRows<Subject: SharedSubject>(
        _ subject: Subject.Type, stage: String, rounds: Int, operations: Int
    ) -> [Row] {
        [
            Row(scenario: "1,000,000 random keys", stage: stage,
                sample: Scenarios.millionRandomKeys(subject, rounds: rounds, operations: operations),
                target: target(stage, stageFour: "<= 120 ns", earlier: "-")),
            Row(scenario: "two threads, one key", stage: stage,
                sample: Scenarios.twoThreadsOneKey(subject, rounds: rounds, operations: operations / 2),
                target: target(stage, stageFour: "<= 40 ns", earlier: "<= 75 ns")),
            Row(scenario: "two threads, one key, refused", stage: stage,
                sample: Scenarios.twoThreadsOneKeyMostlyRejected(subject, rounds: rounds, operations: operations / 2),
                target: target(stage, stageFour: "<= 10 ns", earlier: "-")),
        ]
    }
}
