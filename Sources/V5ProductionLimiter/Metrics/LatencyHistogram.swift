/// A Prometheus histogram of durations with fixed buckets, kept in atomic counters.
///
/// Each observation adds to one bucket (not to every bucket above it, as the exposition format
/// reports them): one atomic add instead of up to twelve, and the scrape sums them.
final class LatencyHistogram: Sendable {
    /// Upper bounds in nanoseconds: 100 µs to 1 s, the range a store's answer lives in.
    static let storeBoundsNanoseconds: [Int64] = [
        100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000,
        25_000_000, 50_000_000, 100_000_000, 250_000_000, 1_000_000_000,
    ]

    /// Upper bounds in nanoseconds, ascending.
    let boundsNanoseconds: [Int64]
    /// One counter per bound and one for +Inf; then the sum of nanoseconds.
    private let counters: AtomicCounters
    private var sumIndex: Int { boundsNanoseconds.count + 1 }

    /// An empty histogram with buckets up to each of `boundsNanoseconds` (ascending), and +Inf.
    init(boundsNanoseconds: [Int64] = storeBoundsNanoseconds) {
        precondition(zip(boundsNanoseconds, boundsNanoseconds.dropFirst()).allSatisfy { $0 < $1 }, "LatencyHistogram: bounds must ascend")
        self.boundsNanoseconds = boundsNanoseconds
        counters = AtomicCounters(count: boundsNanoseconds.count + 2)
    }

    /// Counts one observation of `duration` (negative counts as zero).
    func observe(_ duration: Duration) {
        observe(nanoseconds: duration.wholeNanoseconds)
    }

    /// Counts one observation of `nanoseconds` (negative counts as zero).
    func observe(nanoseconds: Int64) {
        let nanoseconds = max(nanoseconds, 0)
        let bucket = boundsNanoseconds.firstIndex { nanoseconds <= $0 } ?? boundsNanoseconds.count
        counters.add(1, at: bucket)
        counters.add(Int(truncatingIfNeeded: nanoseconds), at: sumIndex)
    }

    /// The family's sample lines: cumulative buckets, `_sum` in seconds, `_count`.
    func samples(named name: String) -> [String] {
        var lines: [String] = []
        var cumulative = 0
        for (index, bound) in boundsNanoseconds.enumerated() {
            cumulative += counters.value(at: index)
            lines.append("\(name)_bucket{le=\"\(PrometheusText.seconds(bound))\"} \(cumulative)")
        }
        cumulative += counters.value(at: boundsNanoseconds.count)
        lines.append("\(name)_bucket{le=\"+Inf\"} \(cumulative)")
        lines.append("\(name)_sum \(PrometheusText.seconds(Int64(counters.value(at: sumIndex))))")
        lines.append("\(name)_count \(cumulative)")
        return lines
    }
}

/// Number formatting of the text exposition format.
enum PrometheusText {
    /// Nanoseconds as seconds in plain decimal notation (`0.0025`, never `2.5e-03`).
    static func seconds(_ nanoseconds: Int64) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = String(nanoseconds % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
    }
}
