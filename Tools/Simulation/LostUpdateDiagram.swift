import V2KeyedLimiter

/// Stage 2's lost update, replayed from a script instead of raced: two threads, one bucket of 2 tokens.
///
/// Left, the unprotected bucket as `V2Demo` shares it: each attempt copies stage 2's
/// `TokenBucket` out (read), spends from the copy and stores it back (write), and the script
/// interleaves the two threads' reads before their writes. Right, the same four attempts through
/// stage 2's `KeyedRateLimiter`, whose `Mutex` makes read-spend-write one step. Time is frozen,
/// so exactly 2 may pass. A script, not threads, so the picture is the same on every run; the
/// race it stands for is measured by `V2Demo`.
struct LostUpdateDiagram {
    enum Thread: String { case a = "A", b = "B" }

    /// One row of the diagram: who acted, what it did, the shared bucket's tokens afterwards.
    struct Row: Hashable {
        var thread: String
        /// What it did, as the box's lines.
        var action: [String]
        var tokensAfter: Int
        var isAdmission: Bool
        var isRefusal: Bool
        /// A write computed from a read that another thread's write has since made stale.
        var isLostUpdate: Bool
    }

    static let capacity = 2
    static let frozen = MonotonicInstant(nanoseconds: 0)
    /// The unprotected schedule: both threads read before either writes, twice.
    static let script: [(Thread, isRead: Bool)] = [
        (.a, true), (.b, true), (.a, false), (.b, false),
        (.a, true), (.b, true), (.a, false), (.b, false),
    ]

    // A valid constant limit: capacity 2 at 1 token/s cannot be refused.
    static var limit: BucketLimit { try! BucketLimit(capacity: capacity, refillRatePerSecond: 1) }

    /// The unprotected run: each thread's copy, and the version of the bucket it copied.
    static func unprotectedRows() -> [Row] {
        var shared = TokenBucket(limit: limit, now: frozen)
        var version = 0
        var copies: [Thread: (bucket: TokenBucket, version: Int)] = [:]
        var rows: [Row] = []
        for (thread, isRead) in script {
            if isRead {
                copies[thread] = (shared, version)
                rows.append(Row(thread: thread.rawValue, action: ["reads \(tokens(shared)) tokens"], tokensAfter: tokens(shared),
                                isAdmission: false, isRefusal: false, isLostUpdate: false))
                continue
            }
            guard let (read, readVersion) = copies[thread] else { continue }
            var copy = read
            let decision = copy.consume(at: frozen)
            let isLost = readVersion != version
            shared = copy
            version += 1
            rows.append(Row(thread: thread.rawValue, action: ["spends 1,", "writes \(tokens(shared)): " + (decision.isAllowed ? "admitted" : "refused")],
                            tokensAfter: tokens(shared), isAdmission: decision.isAllowed, isRefusal: !decision.isAllowed, isLostUpdate: isLost))
        }
        return rows
    }

    /// The same four attempts through stage 2's limiter: A, B, A, B, each whole under the lock.
    static func lockedRows() -> [Row] {
        let limiter = KeyedRateLimiter<String>(limit: limit)
        return [Thread.a, .b, .a, .b].map { thread in
            let decision = limiter.consume(key: "client", at: frozen)
            return Row(thread: thread.rawValue, action: decision.isAllowed
                           ? ["locked: reads, spends 1,", "writes \(decision.remainingTokens): admitted"]
                           : ["locked: reads 0 tokens,", "refused, writes nothing"],
                       tokensAfter: decision.remainingTokens, isAdmission: decision.isAllowed, isRefusal: !decision.isAllowed, isLostUpdate: false)
        }
    }

    private static func tokens(_ bucket: TokenBucket) -> Int {
        Int(bucket.availableTokens(at: frozen).rounded(.down))
    }

    /// Both runs side by side, as an SVG document.
    func svg() -> String {
        var body = heading("Lost updates: two threads, one bucket of 2 tokens, time frozen", notes: [
            "A scripted interleaving of stage 2's TokenBucket (left) and its KeyedRateLimiter (right); at most 2 may pass.",
        ])
        let unprotected = Self.unprotectedRows()
        let locked = Self.lockedRows()
        body += column(title: "Without a lock: read, then write", rows: unprotected, left: 20)
        body += column(title: "With KeyedRateLimiter's Mutex", rows: locked, left: 420)
        let rowsBottom = Self.firstRowTop + Double(unprotected.count) * Self.rowHeight + 10
        body += summary(of: unprotected, left: 20, top: rowsBottom)
        body += summary(of: locked, left: 420, top: rowsBottom)
        return svgDocument(width: 800, height: rowsBottom + 56, body: body)
    }

    static let firstRowTop = 118.0
    static let rowHeight = 36.0

    /// One run: lanes for A, the shared bucket and B; a row per step.
    private func column(title: String, rows: [Row], left: Double) -> [String] {
        let laneA = left + 75
        let laneBucket = left + 180
        let laneB = left + 285
        var shapes = [
            text(title, x: left, y: 82, size: 13, weight: "bold"),
            text("thread A", x: laneA, y: 104, size: 12, anchor: "middle", fill: DiagramStyle.note),
            text("bucket", x: laneBucket, y: 104, size: 12, anchor: "middle", fill: DiagramStyle.note),
            text("thread B", x: laneB, y: 104, size: 12, anchor: "middle", fill: DiagramStyle.note),
        ]
        for (index, row) in rows.enumerated() {
            let top = Self.firstRowTop + Double(index) * Self.rowHeight
            let lane = row.thread == Thread.a.rawValue ? laneA : laneB
            let fill = row.isLostUpdate ? DiagramStyle.refusedFill : row.isAdmission ? DiagramStyle.admittedFill
                : row.isRefusal ? DiagramStyle.warningFill : DiagramStyle.boxFill
            let stroke = row.isLostUpdate ? SimulationChart.refusedColour : DiagramStyle.boxStroke
            shapes += box(x: lane - 70, y: top, width: 140, height: 28, lines: row.action, fill: fill, stroke: stroke,
                          title: false, size: 10)
            shapes += box(x: laneBucket - 22, y: top + 3, width: 44, height: 22, lines: ["\(row.tokensAfter)"], title: true, size: 12)
            // Reads come from the bucket, writes go to it.
            let isRead = row.action[0].hasPrefix("reads")
            let edge = lane < laneBucket ? (lane + 70, laneBucket - 22) : (lane - 70, laneBucket + 22)
            shapes += isRead
                ? arrow(x1: edge.1, y1: top + 14, x2: edge.0, y2: top + 14)
                : arrow(x1: edge.0, y1: top + 14, x2: edge.1, y2: top + 14, colour: row.isLostUpdate ? SimulationChart.refusedColour : DiagramStyle.arrow)
        }
        return shapes
    }

    /// The run's totals under its column.
    private func summary(of rows: [Row], left: Double, top: Double) -> [String] {
        let admitted = rows.filter(\.isAdmission).count
        let lost = rows.filter(\.isLostUpdate).count
        let refused = rows.filter(\.isRefusal).count
        return [
            text("\(admitted) admitted from \(Self.capacity) tokens, \(refused) refused", x: left, y: top + 16, size: 13, weight: "bold",
                 fill: admitted > Self.capacity ? SimulationChart.refusedColour : SimulationChart.admittedColour),
            text(lost > 0 ? "\(lost) writes (red) overwrote the other thread's spend" : "no write ever works from a stale read",
                 x: left, y: top + 34, size: 12, fill: DiagramStyle.note),
        ]
    }
}
