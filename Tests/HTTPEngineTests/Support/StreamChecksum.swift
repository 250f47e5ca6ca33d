/// A position-sensitive checksum (Fletcher-style over little-endian 64-bit words) of a
/// byte stream fed in pieces of any size; the result does not depend on how it is split.
///
/// Works a word at a time, not a byte at a time, so hundreds of megabytes stay cheap
/// in debug and ThreadSanitizer builds.
struct StreamChecksum: Equatable {
    /// Sum of the words.
    private(set) var sum: UInt64 = 0
    /// Sum of the running sums, which makes the order of words matter.
    private(set) var weightedSum: UInt64 = 0
    /// Whole words folded in.
    private(set) var wordCount: UInt64 = 0
    /// Bytes of a word not yet complete, low bytes first.
    private var pending: UInt64 = 0
    private var pendingCount = 0

    var byteCount: UInt64 { wordCount * 8 + UInt64(pendingCount) }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        while pendingCount > 0, pendingCount < 8, index < bytes.count {
            pending |= UInt64(bytes[index]) << (8 * UInt64(pendingCount))
            pendingCount += 1
            index += 1
        }
        if pendingCount == 8 {
            fold(pending)
            pending = 0
            pendingCount = 0
        }
        while bytes.count - index >= 8 {
            fold(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            index += 8
        }
        while index < bytes.count {
            pending |= UInt64(bytes[index]) << (8 * UInt64(pendingCount))
            pendingCount += 1
            index += 1
        }
    }

    /// The checksum of this stream followed by `next`; `self` must end on a word boundary.
    func appending(_ next: StreamChecksum) -> StreamChecksum {
        precondition(pendingCount == 0, "only word-aligned streams can be joined")
        var joined = next
        joined.sum = sum &+ next.sum
        joined.weightedSum = weightedSum &+ next.wordCount &* sum &+ next.weightedSum
        joined.wordCount = wordCount + next.wordCount
        return joined
    }

    private mutating func fold(_ word: UInt64) {
        sum &+= word
        weightedSum &+= sum
        wordCount += 1
    }
}
