/// Reads a trace from CSV text: `time_seconds,key[,cost]` a line, an optional header, times in order.
///
/// Every line is checked, and the first problem is reported with its line number, so a
/// hand-edited trace fails with "line 7: ..." rather than a crash or a silently skipped request.
public enum CSVTrace {
    /// The header line a file may start with; a three-column header with `cost` is accepted too.
    static let headers: Set<String> = ["time_seconds,key", "time_seconds,key,cost"]

    /// The trace in `text`, named `name`; costs above `limit.capacity` are refused, as they could never pass.
    public static func parse(_ text: String, name: String, limit: SimulationLimit) throws(SimulationError) -> Trace {
        var requests: [TraceRequest] = []
        // Swift reads "\r\n" (spreadsheet exports) as one newline character, so both endings split here.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if requests.isEmpty, headers.contains(line.filter { $0 != " " }) { continue }
            let request = try parseLine(line, number: number, limit: limit)
            if let previous = requests.last, request.time < previous.time {
                throw SimulationError("line \(number): time \(line.split(separator: ",").first ?? "") is earlier than the line before; "
                                      + "a trace must be in time order")
            }
            requests.append(request)
        }
        guard !requests.isEmpty else {
            throw SimulationError("\(name): no requests; expected lines of time_seconds,key[,cost]")
        }
        // Watched one window past the last request, so a chart also shows the recovery after it.
        return Trace(name: name, requests: requests, end: requests[requests.count - 1].time + limit.window)
    }

    private static func parseLine(_ line: Substring, number: Int, limit: SimulationLimit) throws(SimulationError) -> TraceRequest {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { trimmed($0) }
        guard fields.count == 2 || fields.count == 3 else {
            throw SimulationError("line \(number): expected time_seconds,key[,cost], got \(fields.count) field\(fields.count == 1 ? "" : "s")")
        }
        // One day is far beyond any trace worth simulating, and keeps nanoseconds well inside Int64.
        guard let seconds = Double(fields[0]), seconds.isFinite, seconds >= 0, seconds <= 86_400 else {
            throw SimulationError("line \(number): time '\(fields[0])' is not a number of seconds between 0 and 86400")
        }
        guard !fields[1].isEmpty else {
            throw SimulationError("line \(number): the key is empty")
        }
        var cost = 1
        if fields.count == 3 {
            guard let parsed = Int(fields[2]), parsed >= 1 else {
                throw SimulationError("line \(number): cost '\(fields[2])' is not a whole number of at least 1")
            }
            guard parsed <= limit.capacity else {
                throw SimulationError("line \(number): cost \(parsed) exceeds the capacity \(limit.capacity), so it could never be admitted")
            }
            cost = parsed
        }
        return TraceRequest(time: .seconds(rounding: seconds), key: String(fields[1]), cost: cost)
    }

    static func trimmed(_ field: Substring) -> String {
        var text = field
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
