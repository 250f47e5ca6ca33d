import Testing
@testable import RedisClient

/// Malformed and oversized input: each gives the typed error that names it, never a crash or a hang.
@Suite struct RESPDecoderHostileInputTests {
    @Test(arguments: [
        ("?\r\n", RESPProtocolError.invalidTypeByte(UInt8(ascii: "?"))),
        ("OK\r\n", .invalidTypeByte(UInt8(ascii: "O"))),
        ("\r\n", .invalidTypeByte(13)),
        ("_\r\n", .invalidTypeByte(UInt8(ascii: "_"))),
        ("+OK\rX", .invalidLineTerminator),
        ("+O\nK\r\n", .invalidLineTerminator),
        (":1\n", .invalidLineTerminator),
        (":\r\n", .invalidInteger),
        (":-\r\n", .invalidInteger),
        (":12a\r\n", .invalidInteger),
        (": 1\r\n", .invalidInteger),
        (":9223372036854775808\r\n", .integerOutOfRange),
        (":-9223372036854775809\r\n", .integerOutOfRange),
        (":99999999999999999999999999\r\n", .integerOutOfRange),
        ("$\r\n", .invalidLength),
        ("$05\r\n", .invalidLength),
        ("$+5\r\n", .invalidLength),
        ("$-0\r\n", .invalidLength),
        ("$-01\r\n", .invalidLength),
        ("$ 5\r\n", .invalidLength),
        ("$5x\r\n", .invalidLength),
        ("$-2\r\n", .negativeLength),
        ("*-5\r\n", .negativeLength),
        ("$-99999999999999999999\r\n", .negativeLength),
        ("$99999999999999999999\r\n", .bulkStringTooLong(limit: 64 << 20)),
        ("$67108865\r\n", .bulkStringTooLong(limit: 64 << 20)),
        ("*99999999999999999999\r\n", .arrayTooLong(limit: 1 << 20)),
        ("*1048577\r\n", .arrayTooLong(limit: 1 << 20)),
        ("$5\r\nhelloXY", .missingBulkTerminator),
        ("$0\r\n\n\r", .missingBulkTerminator),
        ("*2\r\n:1\r\n!x\r\n", .invalidTypeByte(UInt8(ascii: "!"))),
    ])
    func refusesMalformedInputWithTheErrorNamingIt(wire: String, expected: RESPProtocolError) {
        #expect(decodingError(bytes(wire)) == expected)
    }

    @Test func refusesABadTypeByteBeforeTheLineEnds() {
        var decoder = RESPDecoder()
        decoder.feed([UInt8(ascii: "G")])
        #expect(throws: RESPProtocolError.invalidTypeByte(UInt8(ascii: "G"))) { try decoder.next() }
    }

    @Test func namesRESP3TypesInTheDescription() {
        #expect(RESPProtocolError.invalidTypeByte(UInt8(ascii: "%")).description.contains("RESP3"))
        #expect(!RESPProtocolError.invalidTypeByte(UInt8(ascii: "?")).description.contains("RESP3"))
    }

    @Test func refusesAnOverlongLineBeforeItsEndArrives() {
        var decoder = RESPDecoder(limits: RESPDecoderLimits(maxLineLength: 64))
        decoder.feed(bytes("+" + String(repeating: "x", count: 63)))
        #expect(throws: Never.self) { try decoder.next() }
        decoder.feed(bytes("y"))
        #expect(throws: RESPProtocolError.lineTooLong(limit: 64)) { try decoder.next() }
    }

    @Test func acceptsALineOfExactlyTheLimit() throws {
        let limits = RESPDecoderLimits(maxLineLength: 4)
        #expect(try decodeAll(bytes("+abc\r\n"), limits: limits) == [.simpleString("abc")])
        #expect(decodingError(bytes("+abcd\r\n"), limits: limits) == .lineTooLong(limit: 4))
    }

    @Test func refusesArraysNestedDeeperThanTheLimit() throws {
        let limits = RESPDecoderLimits(maxNestingDepth: 32)
        var deepest: RESPValue = .integer(1)
        for _ in 0..<32 { deepest = .array([deepest]) }
        let atLimit = String(repeating: "*1\r\n", count: 32) + ":1\r\n"
        #expect(try decodeAll(bytes(atLimit), limits: limits) == [deepest])
        #expect(decodingError(bytes("*1\r\n" + atLimit), limits: limits) == .nestingTooDeep(limit: 32))
        // A hostile stream of a million headers stops at the limit, not at the end of memory.
        let flood = Array(repeating: bytes("*1\r\n"), count: 1_000_000).flatMap { $0 }
        #expect(decodingError(flood, limits: limits) == .nestingTooDeep(limit: 32))
    }

    @Test func refusesAOneGibibyteBulkHeaderAtOnceWithoutAllocatingForIt() {
        var decoder = RESPDecoder()
        decoder.feed(bytes("$1073741824\r\n"))
        #expect(throws: RESPProtocolError.bulkStringTooLong(limit: 64 * 1024 * 1024)) { try decoder.next() }
        #expect(decoder.buffer.capacity < 1024)
    }

    @Test func refusesAReplyWhoseTotalPassesTheLimitWhenTheClaimArrives() {
        let limits = RESPDecoderLimits(maxBulkLength: 100, maxReplyBytes: 250)
        var decoder = RESPDecoder(limits: limits)
        // Two 100-byte strings fit; the third header claims past 250 bytes before its data is sent.
        decoder.feed(bytes("*3\r\n$100\r\n") + Array(repeating: 0x61, count: 100) + bytes("\r\n$100\r\n") + Array(repeating: 0x62, count: 100) + bytes("\r\n$100\r\n"))
        #expect(throws: RESPProtocolError.replyTooLarge(limit: 250)) { try decoder.next() }
    }

    @Test func countsTheReplyLimitPerReplyNotPerConnection() throws {
        let limits = RESPDecoderLimits(maxReplyBytes: 16)
        let wire = Array(repeating: bytes("$5\r\nhello\r\n"), count: 100).flatMap { $0 }
        #expect(try decodeAll(wire, limits: limits).count == 100)
    }

    @Test func keepsThrowingTheFirstErrorOnceTheStreamIsOutOfStep() {
        var decoder = RESPDecoder()
        decoder.feed(bytes("$-2\r\n"))
        #expect(throws: RESPProtocolError.negativeLength) { try decoder.next() }
        decoder.feed(bytes("+OK\r\n"))
        #expect(throws: RESPProtocolError.negativeLength) { try decoder.next() }
    }

    @Test func randomBytesInRandomSplitsGiveTheSameOutcomeAsFedWhole() {
        var generator = SeededGenerator(state: 0xBAD5EED)
        let alphabet = bytes("+-:$*0123456789\r\n-1ab")
        let limits = RESPDecoderLimits(maxBulkLength: 16, maxArrayLength: 8, maxNestingDepth: 4, maxLineLength: 24, maxReplyBytes: 64)
        var mismatches: [[UInt8]] = []
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...64, using: &generator)
            let input = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            let splits = (0..<3).map { _ in Int.random(in: 0...length, using: &generator) }.sorted()
            let whole = Result { () throws(RESPProtocolError) in try decodeAll(input, limits: limits) }
            let split = Result { () throws(RESPProtocolError) in try decodeAll(input, splitAt: splits, limits: limits) }
            if whole != split { mismatches.append(input) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }
}
