import Testing
import RedisClient

/// Every RESP2 value kind, as the protocol specification writes it.
@Suite struct RESPDecoderValueTests {
    @Test(arguments: [
        ("+OK\r\n", RESPValue.simpleString("OK")),
        ("+\r\n", .simpleString("")),
        ("-ERR unknown command 'asdf'\r\n", .error("ERR unknown command 'asdf'")),
        (":0\r\n", .integer(0)),
        (":1000\r\n", .integer(1000)),
        (":-42\r\n", .integer(-42)),
        (":+7\r\n", .integer(7)),
        (":007\r\n", .integer(7)),
        (":9223372036854775807\r\n", .integer(.max)),
        (":-9223372036854775808\r\n", .integer(.min)),
        ("$5\r\nhello\r\n", .bulk("hello")),
        ("$0\r\n\r\n", .bulk("")),
        ("$-1\r\n", .null),
        ("$4\r\na\r\nb\r\n", .bulk("a\r\nb")),
        ("*0\r\n", .array([])),
        ("*-1\r\n", .array(nil)),
        ("*2\r\n$5\r\nhello\r\n$5\r\nworld\r\n", .array([.bulk("hello"), .bulk("world")])),
        ("*3\r\n$5\r\nhello\r\n$-1\r\n$5\r\nworld\r\n", .array([.bulk("hello"), .null, .bulk("world")])),
        ("*2\r\n*3\r\n:1\r\n:2\r\n:3\r\n*2\r\n+Hello\r\n-World\r\n", .array([.array([.integer(1), .integer(2), .integer(3)]), .array([.simpleString("Hello"), .error("World")])])),
        ("*2\r\n*0\r\n*-1\r\n", .array([.array([]), .array(nil)])),
    ])
    func decodesEachValueKind(wire: String, expected: RESPValue) throws {
        #expect(try decodeAll(bytes(wire)) == [expected])
    }

    @Test func keepsTheTwoNullsApart() throws {
        let replies = try decodeAll(bytes("$-1\r\n*-1\r\n*0\r\n$0\r\n\r\n"))
        #expect(replies == [.bulkString(nil), .array(nil), .array([]), .bulkString([])])
        #expect(replies.map(\.isNull) == [true, true, false, false])
    }

    @Test func bulkStringsCarryEveryByteValue() throws {
        let all = (0...255).map { UInt8($0) }
        #expect(try decodeAll(bytes("$256\r\n") + all + bytes("\r\n")) == [.bulkString(all)])
    }

    @Test func returnsNothingUntilTheReplyIsComplete() throws {
        var decoder = RESPDecoder()
        #expect(decoder.isAtReplyBoundary)
        decoder.feed(bytes("*2\r\n:1\r\n$3\r\nab"))
        #expect(try decoder.next() == nil)
        #expect(!decoder.isAtReplyBoundary)
        decoder.feed(bytes("c\r\n"))
        #expect(try decoder.next() == .array([.integer(1), .bulk("abc")]))
        #expect(try decoder.next() == nil)
        #expect(decoder.isAtReplyBoundary)
    }

    @Test func repairsInvalidUTF8InStatusLinesInsteadOfFailing() throws {
        let replies = try decodeAll([UInt8(ascii: "+"), 0xFF, UInt8(ascii: "A"), 13, 10])
        #expect(replies == [.simpleString("\u{FFFD}A")])
    }
}
