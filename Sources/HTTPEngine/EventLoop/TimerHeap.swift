/// A pending timer: in its loop's heap until it fires or is cancelled.
final class TimerEntry {
    /// `heapIndex` of an entry that is in no heap (fired, cancelled, or its heap discarded).
    static let outsideHeap = -1

    let deadline: UInt64
    let sequence: UInt64
    var action: (() -> Void)?
    /// The entry's place in its heap's array, kept up to date by every move, so cancelling finds
    /// it without a search.
    fileprivate(set) var heapIndex: Int

    init(deadline: UInt64, sequence: UInt64, heapIndex: Int, action: @escaping () -> Void) {
        self.deadline = deadline
        self.sequence = sequence
        self.heapIndex = heapIndex
        self.action = action
    }

    func fires(before other: TimerEntry) -> Bool {
        deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
    }
}

/// A binary min-heap of timers ordered by deadline, then by scheduling order.
///
/// A cancelled timer leaves at once. The rejected alternative, leaving it until its deadline
/// came round (the heap's first edition), kept one entry per cancelled time-out for the whole
/// span: a store time-out armed per request and cancelled when the store answered kept
/// requests/s × time-out entries (20,000 at 20,000 requests/s and 1 s; with a time-out of
/// minutes, memory without bound), and the loop woke at the deadlines of timers nobody wanted.
struct TimerHeap {
    private var entries: [TimerEntry] = []
    private var nextSequence: UInt64 = 0

    /// The deadline of the first timer due; cancelled timers are not counted.
    var earliestDeadline: UInt64? { entries.first?.deadline }
    /// Timers waiting to fire.
    var count: Int { entries.count }

    mutating func insert(deadline: UInt64, action: @escaping () -> Void) -> TimerEntry {
        let entry = TimerEntry(deadline: deadline, sequence: nextSequence, heapIndex: entries.count, action: action)
        nextSequence &+= 1
        entries.append(entry)
        siftUp(entry, from: entries.count - 1)
        return entry
    }

    /// Removes and returns the earliest timer if it is due at `now`.
    mutating func popExpired(now: UInt64) -> TimerEntry? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        removeEntry(at: 0)
        return first
    }

    /// Takes `entry` out; an entry no longer in this heap (fired or already removed) is left
    /// alone, so a handle cancelled twice cannot remove a stranger that took its place.
    mutating func remove(_ entry: TimerEntry) {
        let index = entry.heapIndex
        guard index >= 0, index < entries.count, entries[index] === entry else { return }
        removeEntry(at: index)
    }

    /// Marks every entry as out of the heap and empties it (the loop's exit).
    mutating func removeAll() {
        for entry in entries { entry.heapIndex = TimerEntry.outsideHeap }
        entries.removeAll()
    }

    private mutating func removeEntry(at index: Int) {
        entries[index].heapIndex = TimerEntry.outsideHeap
        let last = entries.removeLast()
        guard index < entries.count else { return }
        // The last entry fills the gap; it belongs either above it or below it, never both.
        if index > 0, last.fires(before: entries[(index - 1) / 2]) {
            siftUp(last, from: index)
        } else {
            siftDown(last, from: index)
        }
    }

    /// Places `entry` at `start` or above it, moving later parents down into the hole.
    private mutating func siftUp(_ entry: TimerEntry, from start: Int) {
        var hole = start
        while hole > 0 {
            let parent = (hole - 1) / 2
            guard entry.fires(before: entries[parent]) else { break }
            move(parent, to: hole)
            hole = parent
        }
        place(entry, at: hole)
    }

    /// Places `entry` at `start` or below it, moving earlier children up into the hole.
    private mutating func siftDown(_ entry: TimerEntry, from start: Int) {
        var hole = start
        while true {
            let left = 2 * hole + 1
            guard left < entries.count else { break }
            let right = left + 1
            let earlier = right < entries.count && entries[right].fires(before: entries[left]) ? right : left
            guard entries[earlier].fires(before: entry) else { break }
            move(earlier, to: hole)
            hole = earlier
        }
        place(entry, at: hole)
    }

    private mutating func move(_ from: Int, to hole: Int) {
        entries[hole] = entries[from]
        entries[hole].heapIndex = hole
    }

    private mutating func place(_ entry: TimerEntry, at index: Int) {
        entries[index] = entry
        entry.heapIndex = index
    }
}
