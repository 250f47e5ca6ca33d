import Testing
@testable import HTTPEngine

@Suite("ReadMostly: a value each thread reads from its own stripe")
struct ReadMostlyTests {
    @Test func aReplacementReachesEveryStripe() async throws {
        let shared = ReadMostly("before")
        shared.replace(with: "after")
        // New threads until every stripe has been read (other tests' threads take ordinals too,
        // so one batch of `count` threads may miss a stripe).
        var stripesRead = Set<Int>()
        for _ in 0..<64 where stripesRead.count < ThreadStripe.count {
            let seen = try await Self.onNewThreads(ThreadStripe.count) { _ in (ThreadStripe.current, shared.value) }
            #expect(seen.allSatisfy { $0.1 == "after" })
            stripesRead.formUnion(seen.map(\.0))
        }
        #expect(stripesRead.count == ThreadStripe.count)
    }

    @Test func readersDuringReplacementsSeeOnlyStoredValuesInTheOrderTheyWereStored() async throws {
        let shared = ReadMostly(0)
        let replacements = 500
        let readers = try await Self.onNewThreads(ThreadStripe.count + 1) { index -> Bool in
            if index == 0 {
                for value in 1...replacements { shared.replace(with: value) }
                return true
            }
            // A thread reads one stripe, which is written in order: its values never go back.
            var last = 0
            for _ in 0..<5_000 {
                let value = shared.value
                guard value >= last, value <= replacements else { return false }
                last = value
            }
            return true
        }
        #expect(readers.allSatisfy { $0 })
        let after = try await Self.onNewThreads(ThreadStripe.count) { _ in shared.value }
        #expect(after.allSatisfy { $0 == replacements })
    }

    @Test func aThreadKeepsItsStripe() async throws {
        let stripes = try await Self.onNewThreads(3) { _ in (0..<100).map { _ in ThreadStripe.current } }
        for own in stripes {
            #expect(Set(own).count == 1)
            #expect((0..<ThreadStripe.count).contains(own[0]))
        }
    }

    /// `body` on `count` threads of its own at once (each a new `ThreadStripe` ordinal), results
    /// in index order: each is a `blocking` call, so none holds a cooperative-pool thread.
    private static func onNewThreads<Result: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> Result) async throws -> [Result] {
        try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            for index in 0..<count { group.addTask { (index, try await blocking { body(index) }) } }
            var results: [(Int, Result)] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
