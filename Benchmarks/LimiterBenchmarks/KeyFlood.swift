import V1TokenBucket

/// Settings for one key-flood run.
struct KeyFloodSettings {
    /// How long to flood.
    var duration: Duration
    /// The bound handed to stages that have one (V3's own default is 100,000).
    var maximumKeyCount: Int
    /// Resident size past which the flood stops early, so an unbounded stage cannot take the machine.
    var memoryLimitMiB: Int
}

/// Decisions for keys that never repeat, as fast as one thread can, one line per second.
///
/// What someone minting keys (many IPv6 addresses, say) does to a limiter: an unbounded table
/// grows until memory runs out; a bounded one stays flat and must decide what new keys get.
/// Capacity 10 at 1 token a second: every new key spends one token, so its bucket stays short
/// of full for a second, and a stage that drops only full buckets (V3) must keep it that long.
/// Any stage with `keyFlood` in `Stages.swift` can be flooded; `keyCount` and
/// `decideWithOutcome` fill the key and outcome columns where its adapter provides them.
enum KeyFlood {
    static let capacity = 10
    static let refillPerSecond = 1.0

    /// The `counter`th key of a flood.
    static func distinctKey(_ counter: UInt64, seed: UInt64) -> UInt64 {
        // Multiplying by an odd constant is a bijection on UInt64, and so is xor with a seed:
        // keys never repeat within 2^64 decisions, yet land all over the hash table.
        (counter &* 0x9E37_79B9_7F4A_7C15) ^ seed
    }

    /// Floods a fresh limiter of `Subject` for `settings.duration`, printing as it goes.
    static func run<Subject: SharedSubject>(_: Subject.Type, stage: String, settings: KeyFloodSettings) {
        let subject = Subject(capacity: capacity, refillPerSecond: refillPerSecond, maximumKeyCount: settings.maximumKeyCount)
        let bound = Subject.boundsKeyCount ? "table bounded at \(grouped(settings.maximumKeyCount)) keys" : "no key bound"
        let (seconds, attoseconds) = settings.duration.components
        let durationNanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        print("Key flood: \(stage), \(bound), capacity \(capacity) at \(formatted(refillPerSecond)) token/s, "
              + "one thread, a new key every decision, \(seconds) s (stops early past \(settings.memoryLimitMiB) MiB resident)")
        print(padded("elapsed s", 11) + padded("decisions", 13) + padded("allowed", 10) + padded("at capacity", 13)
              + padded("keys", 12) + "resident MiB")

        let seed = UInt64.random(in: .min ... .max)
        var counter: UInt64 = 0
        var second = Tally()
        var total = Tally()
        let start = MonotonicInstant.now().nanoseconds
        var nextReport = start + 1_000_000_000
        while true {
            let now = MonotonicInstant.now().nanoseconds
            if now >= nextReport {
                let resident = ResidentMemory.mebibytes()
                print(padded(formatted(Double(now - start) / 1e9), 11) + padded(grouped(second.decisions), 13)
                      + padded(percentage(second.allowed, of: second.decisions), 10)
                      + padded(percentage(second.atCapacity, of: second.decisions), 13)
                      + padded(subject.keyCount.map(grouped) ?? "n/a", 12) + (resident.map(formatted) ?? "n/a"))
                total.add(second)
                second = Tally()
                if now - start >= durationNanoseconds { break }
                if let resident, resident > Double(settings.memoryLimitMiB) {
                    print("stopped: resident memory passed \(settings.memoryLimitMiB) MiB")
                    break
                }
                // A decision that stalls (a table doubling, a sweep) makes one long interval
                // rather than a burst of catch-up lines; the elapsed column shows its length.
                while nextReport <= now { nextReport += 1_000_000_000 }
            }
            // One clock read per batch: a server reads it per request, but here it would be a
            // large share of each decision, and a batch spans only microseconds anyway.
            for _ in 0..<1_024 {
                counter &+= 1
                second.count(subject.decideWithOutcome(key: distinctKey(counter, seed: seed), atNanoseconds: now))
            }
        }
        print("total: \(grouped(total.decisions)) decisions, \(percentage(total.allowed, of: total.decisions)) allowed, "
              + "\(percentage(total.atCapacity, of: total.decisions)) refused at capacity")
    }

    private static func percentage(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "-" : formatted(100 * Double(part) / Double(whole)) + " %"
    }
}

/// Decisions counted by outcome.
private struct Tally {
    var allowed = 0
    var limited = 0
    var atCapacity = 0

    var decisions: Int { allowed + limited + atCapacity }

    mutating func count(_ outcome: DecisionOutcome) {
        switch outcome {
        case .allowed: allowed += 1
        case .limited: limited += 1
        case .atCapacity: atCapacity += 1
        }
    }

    mutating func add(_ other: Tally) {
        allowed += other.allowed
        limited += other.limited
        atCapacity += other.atCapacity
    }
}
