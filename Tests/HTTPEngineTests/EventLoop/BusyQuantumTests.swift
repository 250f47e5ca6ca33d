import Testing
@testable import HTTPEngine

@Suite("Busy quantum")
struct BusyQuantumTests {
    static let microsecond: UInt64 = 1_000

    /// Microseconds `0, step, 2 × step, …` below `end`, in nanoseconds.
    func instants(every step: UInt64, until end: UInt64) -> [UInt64] {
        Array(stride(from: 0, to: end, by: Int(step))).map { UInt64($0) * Self.microsecond }
    }

    @Test func aLoopThatNeverSleepsYieldsOncePerQuantum() {
        var quantum = BusyQuantum(quantum: .microseconds(300), sleepThreshold: .microseconds(20), now: 0)
        var yields: [UInt64] = []
        // Polls that return at once (1 µs each) every 10 µs, for 1 ms.
        for start in instants(every: 10, until: 1_000) {
            if quantum.shouldYield(at: start) { yields.append(start / Self.microsecond) }
            quantum.pollReturned(startedAt: start, endedAt: start + Self.microsecond)
        }
        #expect(yields == [300, 600, 900])
    }

    @Test func aPollThatSleptRestartsTheCount() {
        var quantum = BusyQuantum(quantum: .microseconds(300), sleepThreshold: .microseconds(20), now: 0)
        var answers: [Bool] = []
        answers.append(quantum.shouldYield(at: 250 * Self.microsecond))
        // Slept 50 µs: the loop was off the CPU, so it owes no yield for the work before.
        quantum.pollReturned(startedAt: 250 * Self.microsecond, endedAt: 300 * Self.microsecond)
        for instant: UInt64 in [400, 599, 600] { answers.append(quantum.shouldYield(at: instant * Self.microsecond)) }
        #expect(answers == [false, false, false, true])
    }

    @Test func aPollWithinTheSleepThresholdCountsAsWork() {
        var quantum = BusyQuantum(quantum: .microseconds(300), sleepThreshold: .microseconds(20), now: 0)
        quantum.pollReturned(startedAt: 100 * Self.microsecond, endedAt: 120 * Self.microsecond)
        let shouldYield = quantum.shouldYield(at: 300 * Self.microsecond)
        #expect(shouldYield)
    }

    @Test func aLightlyLoadedLoopNeverYields() {
        // A request every 100 µs, each poll sleeping 90 µs until it arrives: never a quantum of work.
        var quantum = BusyQuantum(now: 0)
        var yields = 0
        for start in instants(every: 100, until: 10_000) {
            quantum.pollReturned(startedAt: start, endedAt: start + 90 * Self.microsecond)
            if quantum.shouldYield(at: start + 99 * Self.microsecond) { yields += 1 }
        }
        #expect(yields == 0)
    }

    @Test func aYieldThatKeptTheLoopOffItsCPUForOverTheCrowdedWaitSaysToLeaveIt() {
        let quantum = BusyQuantum(quantum: .microseconds(300), sleepThreshold: .microseconds(20), crowdedWait: .milliseconds(1), now: 0)
        // Another loop's quantum and a little more: the CPU was shared with a thread that gives way.
        #expect(!quantum.shouldLeaveCPU(afterYieldFrom: 300 * Self.microsecond, to: 700 * Self.microsecond))
        #expect(!quantum.shouldLeaveCPU(afterYieldFrom: 300 * Self.microsecond, to: 1_300 * Self.microsecond))
        // Most of a 4 ms tick: the thread that ran kept the CPU until the scheduler took it away.
        #expect(quantum.shouldLeaveCPU(afterYieldFrom: 300 * Self.microsecond, to: 3_900 * Self.microsecond))
    }
}
