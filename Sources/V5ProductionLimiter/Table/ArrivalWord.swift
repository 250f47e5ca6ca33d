/// How a slot's arrival word is laid out: the arrival in nanoseconds shifted left by 4 bits,
/// and a 4-bit generation below it that changes whenever the slot is given to another key.
///
/// Why a generation: a decision reads a slot's word, checks the slot still names its key, then
/// swaps in the new arrival if the word is unchanged. If the slot was evicted in between and
/// the new key's first arrival equals the old one (with a stalled or coarse clock every fresh
/// bucket gets the same arrival), the swap alone cannot tell them apart and would charge the
/// new key for the old key's request. With the generation in the compared word it fails. Only
/// sixteen evictions of one slot inside one decision's few nanoseconds, *and* equal arrivals,
/// could fool it.
///
/// Why not a second word compared together (a 128-bit compare-and-swap): x86 has it
/// (`cmpxchg16b`), but then every plain read of the pair is one too, a locked write even for a
/// refusal, which is what stage 4 set out to avoid.
///
/// The cost: arrivals keep 60 bits, ±2^59 ns (18 years) around the limiter's creation (the
/// table keeps time relative to it); the table clamps to that range.
enum ArrivalWord {
    /// Bits of the generation.
    static let generationBits: UInt64 = 4
    /// The latest arrival a word can hold.
    static let latest: Int64 = (1 << 59) - 1
    /// The earliest arrival a word can hold; removal parks slots here.
    static let earliest: Int64 = -(1 << 59)

    /// A word holding `arrival` (clamped to `earliest...latest`) and the low bits of `generation`.
    @inline(__always)
    static func packing(_ arrival: Int64, generation: UInt64) -> UInt64 {
        let clamped = min(max(arrival, earliest), latest)
        return UInt64(bitPattern: clamped << generationBits) | (generation & ((1 << generationBits) - 1))
    }

    /// The arrival a word holds, in nanoseconds.
    @inline(__always)
    static func arrival(of word: UInt64) -> Int64 {
        // Arithmetic shift: negative arrivals (a clock set before its origin) survive.
        Int64(bitPattern: word) >> generationBits
    }

    /// The generation a word holds.
    @inline(__always)
    static func generation(of word: UInt64) -> UInt64 {
        word & ((1 << generationBits) - 1)
    }
}
