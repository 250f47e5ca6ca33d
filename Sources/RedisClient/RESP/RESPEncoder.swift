/// Writes commands in RESP2: an array of bulk strings, the only form a client sends.
///
/// Encoding appends to a caller-provided buffer, so a pipelined batch is one buffer and one
/// write. Lengths are written digit by digit: going through `String(count)` would allocate a
/// string per argument on the hot path of every rate-limit decision.
public enum RESPEncoder {
    /// Appends `arguments` as one command (`*<n>` then `$<length>` and the bytes of each).
    public static func encodeCommand<Arguments: Collection>(_ arguments: Arguments, into buffer: inout [UInt8])
    where Arguments.Element: Collection<UInt8> {
        appendHeader(UInt8(ascii: "*"), count: arguments.count, to: &buffer)
        for argument in arguments {
            appendHeader(UInt8(ascii: "$"), count: argument.count, to: &buffer)
            buffer.append(contentsOf: argument)
            buffer.append(contentsOf: crlf)
        }
    }

    /// Appends a command whose arguments are text, encoded as their UTF-8 bytes.
    public static func encodeCommand(_ arguments: [String], into buffer: inout [UInt8]) {
        encodeCommand(arguments.lazy.map(\.utf8), into: &buffer)
    }

    /// One command as a new buffer; for single commands and tests.
    public static func command(_ arguments: [String]) -> [UInt8] {
        var buffer: [UInt8] = []
        encodeCommand(arguments, into: &buffer)
        return buffer
    }

    private static let crlf: [UInt8] = [UInt8(ascii: "\r"), UInt8(ascii: "\n")]

    private static func appendHeader(_ typeByte: UInt8, count: Int, to buffer: inout [UInt8]) {
        buffer.append(typeByte)
        appendDecimal(count, to: &buffer)
        buffer.append(contentsOf: crlf)
    }

    /// Appends the decimal digits of a collection count, which is never negative.
    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        var divisor = 1
        // Comparing against value / 10 rather than multiplying first cannot overflow near Int.max.
        while divisor <= value / 10 { divisor *= 10 }
        var remainder = value
        repeat {
            buffer.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: remainder / divisor))
            remainder %= divisor
            divisor /= 10
        } while divisor > 0
    }
}
