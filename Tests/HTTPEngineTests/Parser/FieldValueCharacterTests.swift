import Testing
@testable import HTTPEngine

/// The eight-bytes-at-a-time field value check against the byte-by-byte definition.
@Suite struct FieldValueCharacterTests {
    @Test func everyByteAtEveryPositionIsJudgedAsTheByteCheckJudgesIt() {
        for length in 1...19 {
            for position in 0..<length {
                for value in 0...255 {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes[position] = UInt8(value)
                    let expected = ASCII.isFieldValueCharacter(UInt8(value))
                    let judged = bytes.withUnsafeBytes { ASCII.areFieldValueCharacters($0) }
                    #expect(judged == expected, "byte \(value) at \(position) of \(length)")
                }
            }
        }
    }

    @Test func validWordsNextToInvalidOnesAreNotMistaken() {
        // Bytes around the word tests' thresholds: 0x1F/0x20 and 0x7E/0x7F/0x80, then HTAB and obs-text.
        let valid: [UInt8] = [0x20, 0x7E, 0x80, 0x09, 0xFF, 0x21, 0x7E, 0x20, 0x09, 0x80, 0x81, 0xFE]
        #expect(valid.withUnsafeBytes { ASCII.areFieldValueCharacters($0) })
        #expect([UInt8]().withUnsafeBytes { ASCII.areFieldValueCharacters($0) })
        for bad: UInt8 in [0x00, 0x0A, 0x0D, 0x1F, 0x7F] {
            let bytes = valid + [bad] + valid
            #expect(!bytes.withUnsafeBytes { ASCII.areFieldValueCharacters($0) }, "byte \(bad)")
        }
    }
}
