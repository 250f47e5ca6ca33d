import Testing
@testable import RedisClient

/// Commands as arrays of bulk strings, byte for byte.
@Suite struct RESPEncoderTests {
    @Test func encodesPingAsOneElementArray() {
        #expect(RESPEncoder.command(["PING"]) == bytes("*1\r\n$4\r\nPING\r\n"))
    }

    @Test func encodesBinaryArgumentsWithCRLFInsideByLengthAlone() {
        var buffer: [UInt8] = []
        let value: [UInt8] = [0x00, 0x0D, 0x0A, 0xFF, 0x24, 0x2A]
        RESPEncoder.encodeCommand([bytes("SET"), bytes("k"), value], into: &buffer)
        #expect(buffer == bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\n") + value + bytes("\r\n"))
    }

    @Test func encodesEmptyArgumentAsZeroLengthBulkString() {
        #expect(RESPEncoder.command(["SET", "k", ""]) == bytes("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"))
    }

    @Test func encodesTextArgumentsAsTheirUTF8Bytes() {
        #expect(RESPEncoder.command(["GET", "clé"]) == bytes("*2\r\n$3\r\nGET\r\n$4\r\nclé\r\n"))
    }

    @Test func appendsAfterExistingBytesSoABatchIsOneBuffer() {
        var buffer: [UInt8] = []
        RESPEncoder.encodeCommand(["INCR", "a"], into: &buffer)
        RESPEncoder.encodeCommand(["INCR", "b"], into: &buffer)
        #expect(buffer == bytes("*2\r\n$4\r\nINCR\r\n$1\r\na\r\n*2\r\n$4\r\nINCR\r\n$1\r\nb\r\n"))
    }

    @Test(arguments: [0, 9, 10, 99, 100, 12_345, 1_000_000, Int.max])
    func writesLengthsAsPlainDecimalDigits(value: Int) {
        var buffer: [UInt8] = []
        RESPEncoder.appendDecimal(value, to: &buffer)
        #expect(buffer == bytes(String(value)))
    }

    @Test func multiDigitLengthHeaderMatchesTheArgumentSize() {
        let argument = [UInt8](repeating: UInt8(ascii: "x"), count: 12_345)
        var buffer: [UInt8] = []
        RESPEncoder.encodeCommand([argument], into: &buffer)
        #expect(buffer.prefix(12) == bytes("*1\r\n$12345\r\n")[...])
        #expect(buffer.count == 12 + 12_345 + 2)
    }

    @Test func encodedCommandDecodesBackToItsArguments() throws {
        var generator = SeededGenerator(state: 0xC0DE)
        for _ in 0..<200 {
            let arguments = (0..<Int.random(in: 1...6, using: &generator)).map { _ in
                (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            }
            var buffer: [UInt8] = []
            RESPEncoder.encodeCommand(arguments, into: &buffer)
            let decoded = try decodeAll(buffer)
            #expect(decoded == [.array(arguments.map { .bulkString($0) })])
        }
    }
}
