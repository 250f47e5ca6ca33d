import Testing
@testable import HTTPEngine

@Suite("Timer heap")
struct TimerHeapTests {
    /// A deterministic stream of numbers (SplitMix64), so a failing order can be replayed.
    struct SplitMix {
        var state: UInt64
        mutating func next(below bound: UInt64) -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            return (mixed ^ (mixed >> 31)) % bound
        }
    }

    /// Every entry still in `heap`, in the order it gives them up.
    static func drain(_ heap: inout TimerHeap) -> [TimerEntry] {
        var popped: [TimerEntry] = []
        while let entry = heap.popExpired(now: .max) { popped.append(entry) }
        return popped
    }

    @Test func timersComeOutByDeadlineAndThenBySchedulingOrder() {
        var heap = TimerHeap()
        var numbers = SplitMix(state: 1)
        // Few distinct deadlines, so many ties are broken by scheduling order.
        let entries = (0..<2_000).map { _ in heap.insert(deadline: numbers.next(below: 50)) {} }
        let popped = Self.drain(&heap)
        let expected = entries.sorted { $0.fires(before: $1) }
        #expect(popped.map(ObjectIdentifier.init) == expected.map(ObjectIdentifier.init))
        #expect(heap.count == 0)
    }

    @Test func onlyTimersDueByNowComeOut() {
        var heap = TimerHeap()
        for deadline: UInt64 in [30, 10, 20, 40] { _ = heap.insert(deadline: deadline) {} }
        var due: [UInt64] = []
        while let entry = heap.popExpired(now: 25) { due.append(entry.deadline) }
        #expect(due == [10, 20])
        #expect(heap.count == 2)
        #expect(heap.earliestDeadline == 30)
    }

    @Test func aRemovedTimerLeavesAtOnceFromAnyPlaceAndTheRestKeepTheirOrder() {
        var heap = TimerHeap()
        var numbers = SplitMix(state: 7)
        var entries = (0..<3_000).map { _ in heap.insert(deadline: numbers.next(below: 1_000)) {} }
        // Removed in a shuffled order, so entries leave from the root, leaves and everything between.
        for index in entries.indices.reversed() {
            entries.swapAt(index, Int(numbers.next(below: UInt64(index + 1))))
        }
        let removed = entries.prefix(1_500)
        for entry in removed { heap.remove(entry) }
        #expect(heap.count == 1_500)
        let kept = entries.dropFirst(1_500).sorted { $0.fires(before: $1) }
        #expect(Self.drain(&heap).map(ObjectIdentifier.init) == kept.map(ObjectIdentifier.init))
    }

    @Test func theEarliestDeadlineSkipsARemovedTimer() {
        var heap = TimerHeap()
        let early = heap.insert(deadline: 10) {}
        _ = heap.insert(deadline: 100) {}
        heap.remove(early)
        #expect(heap.earliestDeadline == 100)
    }

    @Test func removingATimerTwiceOrAfterItFiredTakesNoOtherTimer() {
        var heap = TimerHeap()
        let first = heap.insert(deadline: 1) {}
        let second = heap.insert(deadline: 2) {}
        _ = heap.insert(deadline: 3) {}
        #expect(heap.popExpired(now: 1) === first)
        // `second` now sits where `first` was: a stale handle must not take it.
        heap.remove(first)
        #expect(heap.count == 2)
        heap.remove(second)
        heap.remove(second)
        #expect(heap.count == 1)
        #expect(heap.earliestDeadline == 3)
    }

    @Test func cancelledTimeOutsDoNotAccumulateOnTheLoop() async throws {
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.next()
        // A time-out per request, cancelled when the answer comes: the pattern of the stage 5
        // store race. Before, each stayed in the heap until its deadline (here an hour away).
        let pending = try await loop.perform {
            let kept = loop.scheduleTimer(after: .seconds(3_600)) {}
            for _ in 0..<100_000 {
                loop.cancelTimer(loop.scheduleTimer(after: .seconds(3_600)) {})
            }
            #expect(kept.isPending)
            return loop.pendingTimerCount
        }
        #expect(pending == 1)
        await group.shutdown()
    }

    @Test func aCancelledTimerDoesNotFireAndItsNeighboursDo() async throws {
        let group = try EventLoopGroup(loopCount: 1)
        let loop = group.next()
        let fired = FiredNames()
        try await loop.perform {
            loop.scheduleTimer(after: .milliseconds(1)) { fired.add("first") }
            let cancelled = loop.scheduleTimer(after: .milliseconds(1)) { fired.add("cancelled") }
            loop.scheduleTimer(after: .milliseconds(1)) { fired.add("last") }
            loop.cancelTimer(cancelled)
            #expect(!cancelled.isPending)
        }
        #expect(await waitUntil(deadline: .now + .seconds(60)) { fired.names.count == 2 })
        #expect(fired.names == ["first", "last"])
        await group.shutdown()
    }

    @Test func cancellingATimerThroughAnotherLoopStopsTheProcess() async {
        let exit = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let group = try EventLoopGroup(loopCount: 2)
            let first = group.next()
            let second = group.next()
            let timer = try await first.perform { first.scheduleTimer(after: .seconds(60)) {} }
            try await second.perform { second.cancelTimer(timer) }
        }
        let standardError = String(decoding: exit?.standardErrorContent ?? [], as: UTF8.self)
        #expect(standardError.contains("the timer was scheduled on another event loop"))
    }
}

/// Names recorded by timer actions on the loop's thread, read from the test.
final class FiredNames: Sendable {
    private let recorded = Locked<[String]>([])
    func add(_ name: String) { recorded.withLock { $0.append(name) } }
    var names: [String] { recorded.withLock { $0 } }
}
