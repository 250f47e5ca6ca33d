import Testing
@testable import HTTPEngine

@Suite("Body framing and smuggling defences")
struct FramingParserTests {
    static let head = "POST / HTTP/1.1\r\nHost: h\r\n"

    @Test func rejectsContentLengthWithTransferEncoding() {
        #expect(parseError(Self.head + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == .conflictingFraming)
    }

    @Test func acceptsIdenticalDuplicateContentLength() throws {
        #expect(try parseMessage(Self.head + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc").body == Array("abc".utf8))
        #expect(try parseMessage(Self.head + "Content-Length: 3, 3\r\n\r\nabc").body == Array("abc".utf8))
    }

    @Test(arguments: ["Content-Length: 3\r\nContent-Length: 4", "Content-Length: 3, 4"])
    func rejectsConflictingContentLengthWith400(fields: String) {
        let error = parseError(Self.head + fields + "\r\n\r\nabcd")
        #expect(error == .conflictingContentLength)
        #expect(error?.status.code == 400)
    }

    @Test(arguments: ["-1", "+3", "3a", "", "99999999999999999999", "0x10"])
    func rejectsInvalidContentLength(value: String) {
        #expect(parseError(Self.head + "Content-Length: \(value)\r\n\r\n") == .invalidContentLength)
    }

    @Test(arguments: ["zz", "1ffffffffffffffff", "", " 5", "5 x", "-1"])
    func rejectsInvalidChunkSizes(size: String) {
        #expect(parseError(Self.head + "Transfer-Encoding: chunked\r\n\r\n\(size)\r\nhello\r\n0\r\n\r\n") == .invalidChunkSize)
    }

    @Test func rejectsChunkDataWithoutItsCRLF() {
        #expect(parseError(Self.head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n") == .invalidChunkTerminator)
        #expect(parseError(Self.head + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n") == .bareLineFeed)
    }

    @Test func rejectsTransferEncodingThatDoesNotEndInChunked() {
        #expect(parseError(Self.head + "Transfer-Encoding: gzip\r\n\r\n") == .invalidTransferEncoding)
        #expect(parseError(Self.head + "Transfer-Encoding: chunked, gzip\r\n\r\n") == .invalidTransferEncoding)
        #expect(parseError(Self.head + "Transfer-Encoding: chunked, chunked\r\n\r\n") == .invalidTransferEncoding)
        #expect(parseError(Self.head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n") == .invalidTransferEncoding)
        #expect(HTTPParseError.invalidTransferEncoding.status.code == 400)
    }

    @Test func answersUnsupportedCodingsBeforeChunkedWith501() {
        let error = parseError(Self.head + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
        #expect(error == .unsupportedTransferEncoding)
        #expect(error?.status.code == 501)
    }

    @Test func rejectsTransferEncodingOnHTTP10() {
        #expect(parseError("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == .invalidTransferEncoding)
    }

    @Test func acceptsMixedCaseChunked() throws {
        #expect(try parseMessage(Self.head + "Transfer-Encoding: Chunked\r\n\r\n1\r\na\r\n0\r\n\r\n").body == [UInt8(ascii: "a")])
    }

    @Test func bodyIsNotAffectedByHexCaseOrLeadingZeros() throws {
        let message = try parseMessage(Self.head + "Transfer-Encoding: chunked\r\n\r\n00000000000000000A\r\n0123456789\r\n0\r\n\r\n")
        #expect(message.body.count == 10)
    }
}
