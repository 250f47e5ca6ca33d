import Glibc

/// The `Date` response field (RFC 9110 §6.6.1, IMF-fixdate), formatted at most once per
/// second and reused until the second changes. One per event loop, used only on its thread.
final class HTTPDateCache {
    private static let prefix: [UInt8] = Array("Date: ".utf8)
    static let dateCount = 29
    private static let dayNames: [UInt8] = Array("SunMonTueWedThuFriSat".utf8)
    private static let monthNames: [UInt8] = Array("JanFebMarAprMayJunJulAugSepOctNovDec".utf8)

    /// The whole field line, "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", rewritten in place.
    private var fieldLine: [UInt8] = Array("Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n".utf8)
    /// The second since the epoch `fieldLine` was formatted for; nil before first use.
    private var formattedSecond: Int?

    /// Appends the field line for the current second, formatting it only when the second changed.
    func appendField(to output: inout [UInt8]) {
        let now = Int(time(nil))
        if now != formattedSecond {
            formattedSecond = now
            fieldLine.withUnsafeMutableBufferPointer { line in
                Self.formatIMFFixdate(now, into: UnsafeMutableBufferPointer(rebasing: line[Self.prefix.count..<(Self.prefix.count + Self.dateCount)]))
            }
        }
        output.append(contentsOf: fieldLine)
    }

    /// Writes `seconds` since the epoch as IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT",
    /// `dateCount` bytes) into `output`.
    static func formatIMFFixdate(_ seconds: Int, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(output.count == dateCount)
        var time = time_t(seconds)
        var parts = tm()
        _ = gmtime_r(&time, &parts)
        let day = Int(parts.tm_wday) * 3
        let month = Int(parts.tm_mon) * 3
        for index in 0..<3 {
            output[index] = dayNames[day + index]
            output[8 + index] = monthNames[month + index]
        }
        output[3] = UInt8(ascii: ",")
        output[4] = ASCII.space
        writeDigits(Int(parts.tm_mday), count: 2, at: 5, in: output)
        output[7] = ASCII.space
        output[11] = ASCII.space
        // IMF-fixdate has exactly four year digits.
        writeDigits(min(max(Int(parts.tm_year) + 1900, 0), 9999), count: 4, at: 12, in: output)
        output[16] = ASCII.space
        writeDigits(Int(parts.tm_hour), count: 2, at: 17, in: output)
        output[19] = UInt8(ascii: ":")
        writeDigits(Int(parts.tm_min), count: 2, at: 20, in: output)
        output[22] = UInt8(ascii: ":")
        writeDigits(Int(parts.tm_sec), count: 2, at: 23, in: output)
        output[25] = ASCII.space
        output[26] = UInt8(ascii: "G")
        output[27] = UInt8(ascii: "M")
        output[28] = UInt8(ascii: "T")
    }

    /// Writes `value` as `count` zero-padded decimal digits starting at `offset`.
    private static func writeDigits(_ value: Int, count: Int, at offset: Int, in output: UnsafeMutableBufferPointer<UInt8>) {
        var remaining = value
        for index in stride(from: offset + count - 1, through: offset, by: -1) {
            output[index] = UInt8(remaining % 10) + UInt8(ascii: "0")
            remaining /= 10
        }
    }
}
