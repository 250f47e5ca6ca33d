import Testing
@testable import HTTPEngine

/// Fields and their bytes share one buffer whose table grows and shrinks with edits; whatever
/// the order of edits, the headers must read like a plain list of pairs.
@Suite struct HeaderEditingTests {
    /// Applies the same edits to headers and to an array of pairs, checking after each step.
    @Test(arguments: [HTTPHeaders(), HTTPHeaders([("Seed", "0")]), HTTPHeaders(reservingBytes: 8, fields: 2)])
    func everyEditMatchesAListOfPairs(start: HTTPHeaders) {
        var headers = start
        var model: [(name: String, value: String)] = start.map { ($0.name, $0.value) }
        for step in 0..<60 {
            switch step % 5 {
            case 0, 1, 2:
                let name = "x-field-\(step % 7)"
                let value = String(repeating: "v", count: step)
                headers.add(name: name, value: value)
                model.append((name, value))
            case 3:
                let name = "X-FIELD-\(step % 7)"
                headers.remove(name: name)
                model.removeAll { $0.name.lowercased() == name.lowercased() }
            default:
                headers["x-field-\(step % 3)"] = "replaced \(step)"
                model.removeAll { $0.name == "x-field-\(step % 3)" }
                model.append(("x-field-\(step % 3)", "replaced \(step)"))
            }
            #expect(headers.count == model.count)
            #expect(headers.map { "\($0.name)=\($0.value)" } == model.map { "\($0.name)=\($0.value)" })
        }
    }

    @Test func removingEveryFieldLeavesEmptyHeadersThatAcceptMore() {
        var headers = HTTPHeaders([("a", "1"), ("A", "2"), ("b", "3")])
        headers.remove(name: "a")
        headers.remove(name: "B")
        #expect(headers.isEmpty)
        headers.add(name: "c", value: "4")
        #expect(headers.map { "\($0.name)=\($0.value)" } == ["c=4"])
    }

    @Test func aCopyKeepsItsFieldsWhenTheOriginalGrows() {
        var original = HTTPHeaders([("a", "1")])
        let copy = original
        for index in 0..<20 { original.add(name: "n\(index)", value: "\(index)") }
        #expect(copy.map { "\($0.name)=\($0.value)" } == ["a=1"])
        #expect(original.count == 21)
        #expect(original["n19"] == "19")
    }

    /// For ThreadSanitizer (CI runs this suite sanitized): making empty headers on two threads at
    /// once must not write to memory the threads share. Reserving no room once wrote the count
    /// into the runtime's single empty-array storage, a race the sanitizer reported.
    @Test func emptyHeadersCanBeMadeOnTwoThreadsAtOnce() async {
        let counts = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var count = 0
                    for _ in 0..<20_000 { count += HTTPHeaders([]).count + HTTPHeaders(reservingBytes: 0, fields: 0).count }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(counts == 0)
    }
}
