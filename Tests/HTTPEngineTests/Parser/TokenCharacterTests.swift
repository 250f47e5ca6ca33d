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
}
