/// Byte classes from RFC 9110/9112 used by the parser and header lookup.
enum ASCII {
    static let carriageReturn: UInt8 = 0x0D
    static let lineFeed: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let comma: UInt8 = 0x2C
    static let semicolon: UInt8 = 0x3B

    /// The token characters (RFC 9110 §5.6.2: `!#$%&'*+-.^_`|~`, digits, letters) as a 128-bit
    /// set in two words, bytes 0–63 and 64–127. Rather than a chain of comparisons, since the
    /// parser asks per byte; rather than a lazily built `[Bool]` table, whose one-time
    /// initialisation check ran on every access (`swift_once`, 1–2 % of a proxy's user CPU).
    private static let tokenBitsLow: UInt64 = 0x03FF_6CFA_0000_0000
    private static let tokenBitsHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

    /// Whether `byte` may appear in a token (method, field name, coding name).
    @inline(__always)
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        if byte < 64 { return tokenBitsLow >> UInt64(byte) & 1 == 1 }
        if byte < 128 { return tokenBitsHigh >> UInt64(byte &- 64) & 1 == 1 }
        return false
    }

    /// Whether every byte of `bytes` may appear in a token.
    ///
    /// Eight bytes per step while they are letters, digits and `-`, which is every byte of
    /// almost every field name; a word holding anything else is checked byte by byte. Checking
    /// the names of the fields a proxy adds before sending them took 1.5 % of stage 5's user
    /// time byte by byte, 0.9 % this way. (The parser checks names as it scans for the colon,
    /// byte by byte: finding the colon first with `memchr` and then checking the words cost more.)
    @inline(__always)
    static func areTokenCharacters(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        guard count >= 8 else {
            // A short name as one word, padded with letters.
            var word: UInt64 = 0x6161_6161_6161_6161
            withUnsafeMutableBytes(of: &word) { $0.baseAddress!.copyMemory(from: base, byteCount: count) }
            return isCommonNameWord(word) || areTokenCharactersByByte(bytes)
        }
        var index = 0
        while true {
            // The last word overlaps the one before when the count is not a multiple of eight.
            let start = Swift.min(index, count &- 8)
            guard isCommonNameWord(base.loadUnaligned(fromByteOffset: start, as: UInt64.self))
                || areTokenCharactersByByte(UnsafeRawBufferPointer(start: base + start, count: 8))
            else { return false }
            index &+= 8
            if index >= count { return true }
        }
    }

    /// `areTokenCharacters`, one byte at a time.
    static func areTokenCharactersByByte(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var index = 0
        while index < bytes.count {
            guard isTokenCharacter(base.load(fromByteOffset: index, as: UInt8.self)) else { return false }
            index &+= 1
        }
        return true
    }

    /// Whether each of the eight bytes of `word` is a letter, a digit or `-` (each such byte is a
    /// token character; a false answer says nothing about the word).
    ///
    /// With every byte below 0x80, adding `0x80 - low` to each sets its high bit exactly when it
    /// is at least `low`, and no byte carries into the next; so each range test is two adds.
    /// `-` is found by the exact zero-byte test on `word ^ "--------"`.
    @inline(__always)
    static func isCommonNameWord(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        guard word & highBits == 0 else { return false }
        /// High bit of each byte set when the byte is in `low...high`.
        func inRange(_ word: UInt64, _ low: UInt8, _ high: UInt8) -> UInt64 {
            let atLeastLow = word &+ ones &* UInt64(0x80 &- low)
            let aboveHigh = word &+ ones &* UInt64(0x7F &- high)
            return atLeastLow & ~aboveHigh & highBits
        }
        // Setting bit 5 turns A–Z into a–z and leaves digits and `-` as they are.
        let letters = inRange(word | ones &* 0x20, 0x61, 0x7A)
        let digits = inRange(word, 0x30, 0x39)
        let dashes = word ^ (ones &* 0x2D)
        let isDash = ~(((dashes & ~highBits) &+ ~highBits) | dashes) & highBits
        return letters | digits | isDash == highBits
    }

    /// Whether `byte` may appear inside a field value: VCHAR, obs-text, SP or HTAB.
    @inline(__always)
    static func isFieldValueCharacter(_ byte: UInt8) -> Bool {
        byte >= 0x20 ? byte != 0x7F : byte == tab
    }

    /// Whether every byte of `bytes` may appear inside a field value (`isFieldValueCharacter`).
    ///
    /// Eight bytes per step: a word with no byte below 0x20 and none equal to 0x7F is all valid,
    /// which is every word of a usual value; a word that has one is checked byte by byte (HTAB
    /// is below 0x20 and allowed). Both word tests are the classic "has a byte less than n" /
    /// "has a zero byte" bit tricks, which never miss a byte (they may flag a valid word, and
    /// the byte check then decides). Byte by byte, this check was most of a head's parse time.
    static func areFieldValueCharacters(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        var index = 0
        while index &+ 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let belowSpace = (word &- ones &* 0x20) & ~word & highBits
            let delete = word ^ (ones &* 0x7F)
            let hasDelete = (delete &- ones) & ~delete & highBits
            if belowSpace | hasDelete != 0 {
                for position in index..<index &+ 8 where !isFieldValueCharacter(bytes[position]) { return false }
            }
            index &+= 8
        }
        while index < bytes.count {
            guard isFieldValueCharacter(bytes[index]) else { return false }
            index &+= 1
        }
        return true
    }

    /// Whether `byte` may appear in a request target (visible ASCII only).
    @inline(__always)
    static func isTargetCharacter(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// Value of a hexadecimal digit, or nil for any other byte.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }

    /// Whether two byte runs are equal ignoring ASCII case.
    ///
    /// Eight bytes at a time (`lowercasedWord`), the last word overlapping the one before: field
    /// names are looked up several times per message (framing, keep-alive, hop-by-hop fields),
    /// and byte by byte this comparison was 2 % of the reverse proxy's user time.
    static func equalsIgnoringCase(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Bool {
        guard left.count == right.count else { return false }
        let count = left.count
        guard count >= 8 else {
            for index in 0..<count where lowercased(left[index]) != lowercased(right[index]) {
                return false
            }
            return true
        }
        var index = 0
        while true {
            let leftWord = left.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let rightWord = right.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if leftWord != rightWord, lowercasedWord(leftWord) != lowercasedWord(rightWord) { return false }
            if index &+ 8 == count { return true }
            // The last word ends at the last byte; it may cover bytes compared already.
            index = min(index &+ 8, count &- 8)
        }
    }

    /// `word` with each of its bytes `A`–`Z` made lowercase, every other byte unchanged.
    @inline(__always)
    static func lowercasedWord(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        // Each byte's low seven bits plus a constant sets that byte's high bit exactly when they
        // are at least `A` (0x41), or above `Z` (0x5A); no sum carries into the next byte.
        let lowBits = word & (ones &* 0x7F)
        let atLeastA = lowBits &+ ones &* (0x80 - 0x41)
        let aboveZ = lowBits &+ ones &* (0x80 - 0x5B)
        // A byte of 0x80 or more is not a letter, whatever its low bits.
        let isUppercase = atLeastA & ~aboveZ & ~word & (ones &* 0x80)
        // The high bit moved to 0x20, the difference between the cases.
        return word | (isUppercase >> 2)
    }
}
