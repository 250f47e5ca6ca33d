import V3RateLimitMiddleware
import V4LongRunningLimiter

// Both stages call their types `KeyedRateLimiter`, `BucketLimit` and `MonotonicInstant`, so every use names its module.

/// A flood of unique keys against a full table, before eviction (stage 3) and after (stage 4).
///
/// Both stages' real limiters, each with a 256-key table, at simulated instants every 0.1 s for
/// 30 s: from 5 s to 20 s an attacker sends 20 new keys a tick, each spending a whole bucket
/// (so none is full, and droppable, for 10 s); every 0.5 s a new legitimate client sends one
/// request. Stage 3 refuses a new key while its table holds only buckets still refilling (503);
/// stage 4 evicts the bucket with the least state to lose. Stage 4 places keys by hash, so the
/// picture is drawn with `SWIFT_DETERMINISTIC_HASHING=1` (`Tools/make-pictures.sh` sets it).
struct EvictionFloodChart {
    /// What one stage did over the run.
    struct Run {
        var name: String
        /// (time, keys in the table) after every tick.
        var keyCounts: [(time: Double, keys: Int)] = []
        /// (time, admitted) for each newcomer's one request.
        var newcomers: [(time: Double, isAdmitted: Bool)] = []
        var tableSize: Int
        var note: String = ""
    }

    static let tableSize = 256
    static let capacity = 10
    static let tick = 0.1
    static let end = 30.0
    static let flood = (start: 5.0, end: 20.0, keysPerTick: 20)

    /// Runs the schedule through a limiter given as `decide(key, cost, time) -> admitted`, recording `keys()` each tick.
    static func run(name: String, tableSize: Int, decide: (String, Int, Double) -> Bool, keys: () -> Int) -> Run {
        var run = Run(name: name, tableSize: tableSize)
        var floodKey = 0
        for step in 0...Int((end / tick).rounded()) {
            let time = Double(step) * tick
            // The flood first in each tick: an attacker outnumbers the legitimate newcomer.
            if time >= flood.start, time < flood.end {
                for _ in 0..<flood.keysPerTick {
                    _ = decide("flood-\(floodKey)", capacity, time)
                    floodKey += 1
                }
            }
            if step % 5 == 0 {
                run.newcomers.append((time, decide("newcomer-\(step)", 1, time)))
            }
            run.keyCounts.append((time, keys()))
        }
        return run
    }

    static func stageThree() -> Run {
        let limit = try! V3RateLimitMiddleware.BucketLimit(capacity: capacity, refillRatePerSecond: 1)
        let limiter = V3RateLimitMiddleware.KeyedRateLimiter<String>(limit: limit, maximumKeyCount: tableSize)
        var run = run(name: "Stage 3: a full table refuses new keys (503) until a bucket is full again", tableSize: tableSize,
                      decide: { key, cost, time in
                          let now = V3RateLimitMiddleware.MonotonicInstant(nanoseconds: Duration.seconds(rounding: time).nanosecondCount)
                          return (try? limiter.consume(cost, key: key, at: now))?.isAllowed ?? false
                      }, keys: { limiter.keyCount })
        run.note = "\(limiter.capacityRejections) requests refused for want of room"
        return run
    }

    static func stageFour() -> Run {
        let limit = try! V4LongRunningLimiter.BucketLimit(capacity: capacity, refillRatePerSecond: 1)
        let limiter = V4LongRunningLimiter.KeyedRateLimiter<String, V4LongRunningLimiter.ManualClock>(
            limit: limit, maximumKeyCount: tableSize, clock: V4LongRunningLimiter.ManualClock())
        var run = run(name: "Stage 4: a full table evicts the bucket with the least state to lose", tableSize: limiter.maximumKeyCount,
                      decide: { key, cost, time in
                          let now = V4LongRunningLimiter.MonotonicInstant(nanoseconds: Duration.seconds(rounding: time).nanosecondCount)
                          return (try? limiter.consume(cost, key: key, at: now))?.isAllowed ?? false
                      }, keys: { limiter.keyCount })
        let statistics = limiter.statistics
        run.note = "evicted: \(statistics.bucketsWithStateEvicted) buckets with state, \(statistics.fullBucketsEvicted) full"
        return run
    }

    let plotLeft = 70.0
    let plotRight = 770.0

    /// Both runs, one panel each on one time axis, as an SVG document.
    func svg() -> String {
        let runs = [Self.stageThree(), Self.stageFour()]
        let timeScale = Scale(low: plotLeft, high: plotRight, minimum: 0, maximum: Self.end)
        var body = heading("A flood of unique keys against a 256-key table, before and after eviction", notes: [
            "From 5 s to 20 s (shaded) 200 new keys a second each spend a whole bucket (10 tokens, 1/s); a new legitimate",
            "client arrives every 0.5 s. Lines: keys held; marks: each new client's one request. Stages 3 and 4's real limiters.",
        ])
        var top = 110.0
        for run in runs {
            body += panel(for: run, top: top, timeScale: timeScale)
            top += 220
        }
        let axis = top - 36
        body += secondsAxis(at: axis, scale: timeScale, end: Self.end, step: 5)
        return svgDocument(width: 800, height: axis + 48, body: body)
    }

    /// One stage: the flood shaded, keys held as a line, newcomers as ticks and crosses under it.
    private func panel(for run: Run, top: Double, timeScale: Scale) -> [String] {
        let bottom = top + 110
        let keyScale = Scale(low: bottom, high: top, minimum: 0, maximum: Double(run.tableSize))
        let admitted = run.newcomers.filter(\.isAdmitted).count
        var shapes = [
            text(run.name, x: plotLeft, y: top - 10, size: 13, weight: "bold"),
            rect(x: timeScale.position(Self.flood.start), y: top, width: timeScale.position(Self.flood.end) - timeScale.position(Self.flood.start),
                 height: bottom - top + 34, fill: "#fbeaea"),
            line(x1: plotLeft, y1: top, x2: plotRight, y2: top, stroke: "#dddddd"),
            line(x1: plotLeft, y1: bottom, x2: plotRight, y2: bottom, stroke: "#bbbbbb"),
            line(x1: plotLeft, y1: top, x2: plotLeft, y2: bottom, stroke: "#444444"),
            text("\(run.tableSize)", x: plotLeft - 6, y: top + 4, size: 11, anchor: "end", fill: "#444444"),
            text("0", x: plotLeft - 6, y: bottom + 4, size: 11, anchor: "end", fill: "#444444"),
            text("keys", x: plotLeft - 6, y: top + 18, size: 11, anchor: "end", fill: "#444444"),
            polyline(run.keyCounts.map { (timeScale.position($0.time), keyScale.position(Double($0.keys))) }, stroke: "#4e79a7"),
            text("new", x: plotLeft - 6, y: bottom + 18, size: 11, anchor: "end", fill: "#444444"),
            text("clients", x: plotLeft - 6, y: bottom + 31, size: 11, anchor: "end", fill: "#444444"),
            text("new clients admitted: \(admitted) of \(run.newcomers.count); \(run.note)", x: plotLeft, y: bottom + 54, size: 12,
                 fill: DiagramStyle.note),
        ]
        for newcomer in run.newcomers {
            let x = timeScale.position(newcomer.time)
            let y = bottom + 20
            shapes.append(newcomer.isAdmitted
                ? line(x1: x, y1: y - 6, x2: x, y2: y + 6, stroke: SimulationChart.admittedColour, width: 2.5)
                : cross(x: x, y: y))
        }
        return shapes
    }
}
