import Testing
@testable import HTTPEngine

/// The parser's token character set against RFC 9110 §5.6.2's definition, for every byte.
@Suite struct TokenCharacterTests {
    @Test func everyByteIsATokenCharacterExactlyWhenRFC9110SaysSo() {
        let specials = Set("!#$%&'*+-.^_`|~".utf8)
        for value in 0...255 {
            let byte = UInt8(value)
            let isDigit = (0x30...0x39).contains(byte)
            let isLetter = (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            let expected = isDigit || isLetter || specials.contains(byte)
            #expect(ASCII.isTokenCharacter(byte) == expected, "byte \(value)")
        }
    }

    @Test func everyByteAtEveryPositionOfARunIsJudgedAsTheByteCheckJudgesIt() {
        // A run of `-`, letters and digits (the word test's fast path) with one byte changed.
        let base = Array("X-RateLimit-9z-Remaining".utf8)
        for length in 1...base.count {
            for position in 0..<length {
                for value in 0...255 {
                    var bytes = Array(base[0..<length])
                    bytes[position] = UInt8(value)
                    let judged = bytes.withUnsafeBytes { ASCII.areTokenCharacters($0) }
                    #expect(judged == ASCII.isTokenCharacter(UInt8(value)), "byte \(value) at \(position) of \(length)")
                }
            }
        }
    }

    @Test func theWordTestAcceptsOnlyLettersDigitsAndDashes() {
        // Every byte value in every lane of a word of letters: the fast test may say yes only
        // for the three classes (it says no for other token characters, which the byte check takes).
        Self.forEveryByteInEveryLane(of: "abcdefgh") { word, bytes, byte, lane in
            let expected = byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            #expect(ASCII.isCommonNameWord(word) == expected, "byte \(byte) in lane \(lane)")
        }
    }

    @Test func caseInsensitiveComparisonAgreesWithTheByteRuleForEveryPairAtEveryPosition() {
        // Runs of 1 to 17 bytes (no whole word, one, one and a tail, two, two and a tail) that
        // differ in one position: every pair of byte values there, against the byte-by-byte rule.
        let base = Array("content-length-xy".utf8)
        for length in [1, 7, 8, 9, 15, 16, 17] {
            for position in Set([0, length / 2, length - 1]) {
                var left = Array(base[0..<length])
                var right = left
                for first in 0...255 {
                    left[position] = UInt8(first)
                    for second in 0...255 {
                        right[position] = UInt8(second)
                        let expected = ASCII.lowercased(UInt8(first)) == ASCII.lowercased(UInt8(second))
                        let judged = left.withUnsafeBytes { l in right.withUnsafeBytes { r in ASCII.equalsIgnoringCase(l, r) } }
                        if judged != expected {
                            Issue.record("bytes \(first) and \(second) at \(position) of \(length): \(judged)")
                        }
                    }
                }
            }
        }
    }

    @Test func everyByteOfAWordIsLowercasedExactlyWhenItIsAnUppercaseLetter() {
        Self.forEveryByteInEveryLane(of: "AbC-9z~Q") { word, bytes, byte, lane in
            let lowered = withUnsafeBytes(of: ASCII.lowercasedWord(word)) { Array($0) }
            #expect(lowered == bytes.map(ASCII.lowercased), "byte \(byte) in lane \(lane)")
        }
    }

    /// Calls `body` for every byte value in every lane of the eight-byte `text`, with the word
    /// as the engine loads it, its bytes, the byte put in and the lane.
    static func forEveryByteInEveryLane(of text: String, _ body: (UInt64, [UInt8], UInt8, Int) -> Void) {
        for lane in 0..<8 {
            for value in 0...255 {
                var bytes = Array(text.utf8)
                bytes[lane] = UInt8(value)
                body(bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }, bytes, UInt8(value), lane)
            }
        }
    }
}
