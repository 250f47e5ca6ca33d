/// How many bytes to ask `read(2)` for next: doubles while reads fill what was asked, halves
/// after two reads in a row that used a quarter of it or less.
///
/// A fixed small read (the server used 4 KiB) turns a 16 MiB upload into about 4,000 wake-ups
/// and 4,000 body chunks for the handler; a fixed large one gives every idle keep-alive
/// connection a large buffer for the few hundred bytes of its next request head. Growing on
/// full reads and shrinking only after *two* short ones (one short read is often just the tail
/// of a burst) follows the traffic a connection actually has.
struct AdaptiveReadSize {
    /// The smallest request, and the size a new connection starts with.
    let minimum: Int
    /// The largest request: the body chunk size a handler can be handed at once.
    let maximum: Int
    /// The size to request next.
    private(set) var current: Int
    private var shortReadsInARow = 0

    /// A size that starts at `minimum` and stays within `minimum...maximum`.
    init(minimum: Int, maximum: Int) {
        precondition(minimum > 0 && minimum <= maximum, "AdaptiveReadSize needs 0 < minimum <= maximum")
        self.minimum = minimum
        self.maximum = maximum
        current = minimum
    }

    /// Adjusts the next size after a read that returned `count` bytes of the `current` asked.
    mutating func record(_ count: Int) {
        if count >= current {
            current = min(current * 2, maximum)
            shortReadsInARow = 0
        } else if count <= current / 4 {
            shortReadsInARow += 1
            if shortReadsInARow >= 2 {
                current = max(current / 2, minimum)
                shortReadsInARow = 0
            }
        } else {
            shortReadsInARow = 0
        }
    }

    /// Starts again from `minimum`, as for a new connection: the message the size grew for is over.
    mutating func reset() {
        current = minimum
        shortReadsInARow = 0
    }

    /// Whether the next read will be a small one, so a large idle buffer can be given back.
    var isAtMinimum: Bool { current == minimum }
}
