/// A pending timer; cancelling clears the action and the heap drops it lazily.
final class TimerEntry {
    let deadline: UInt64
    let sequence: UInt64
    var action: (() -> Void)?

    init(deadline: UInt64, sequence: UInt64, action: @escaping () -> Void) {
        self.deadline = deadline
        self.sequence = sequence
        self.action = action
    }

    func fires(before other: TimerEntry) -> Bool {
        deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
    }
}

/// A binary min-heap of timers ordered by deadline, then by scheduling order.
struct TimerHeap {
    private var entries: [TimerEntry] = []
    private var nextSequence: UInt64 = 0

    var earliestDeadline: UInt64? { entries.first?.deadline }

    mutating func insert(deadline: UInt64, action: @escaping () -> Void) -> TimerEntry {
        let entry = TimerEntry(deadline: deadline, sequence: nextSequence, action: action)
        nextSequence &+= 1
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].fires(before: entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
        return entry
    }

    /// Removes and returns the earliest timer if it is due at `now`.
    mutating func popExpired(now: UInt64) -> TimerEntry? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < entries.count, entries[left].fires(before: entries[smallest]) { smallest = left }
                if right < entries.count, entries[right].fires(before: entries[smallest]) { smallest = right }
                if smallest == parent { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }
}
