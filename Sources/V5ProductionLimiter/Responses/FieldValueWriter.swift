/// Writes a field value's ASCII text into a caller's buffer, so a response's rate-limit values
/// are built without a `String` each.
///
/// An allowed response carries five such values. Built by string interpolation, the two IETF
/// ones were too long for a small string and cost a heap allocation each, and every number went
/// through the generic integer printer; in stage 5's profile that was 6 % of the proxy's user
/// time. (Caching whole values per policy was the rejected alternative: `r` and `t` change with
/// every request.)
struct FieldValueWriter {
    private let buffer: UnsafeMutableRawBufferPointer
    /// Bytes written since the last `clear()`.
    private(set) var count = 0

    /// A writer into `buffer`, which must have room for every value written between two clears.
    init(_ buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
    }

    /// The value written so far.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[..<count]) }

    /// Starts the next value at the front of the buffer.
    mutating func clear() {
        count = 0
    }

    /// Keeps the first `length` bytes written and drops the rest: two values that start alike
    /// (the IETF fields both start with the quoted policy name) write the start once.
    mutating func truncate(to length: Int) {
        precondition(length >= 0 && length <= count, "FieldValueWriter: cannot keep \(length) of \(count) bytes")
        count = length
    }

    /// Appends `text`'s bytes.
    mutating func write(_ text: StaticString) {
        write(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `text` as a Structured Field String (RFC 9651, Section 4.1.6): in double quotes,
    /// with `"` and `\` escaped by a backslash. Bytes a String cannot hold (outside 0x20–0x7E:
    /// controls, DEL, non-ASCII) are left out, where the RFC fails the whole serialization: a
    /// policy named after a route is still reported, under a name close to the configured one.
    /// Needs room for twice `text`'s bytes and the two quotes.
    mutating func writeQuoted(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            precondition(count + 2 * bytes.count + 2 <= buffer.count, "FieldValueWriter: \(bytes.count) bytes quoted may not fit")
            buffer[count] = UInt8(ascii: "\"")
            count += 1
            for byte in bytes where byte >= 0x20 && byte <= 0x7E {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    buffer[count] = UInt8(ascii: "\\")
                    count += 1
                }
                buffer[count] = byte
                count += 1
            }
            buffer[count] = UInt8(ascii: "\"")
            count += 1
        }
    }

    /// Appends `number` in decimal, with a leading `-` when negative.
    mutating func write(_ number: Int64) {
        // The magnitude as unsigned, so Int64.min has one too.
        var magnitude = number.magnitude
        var digitCount = 1
        var rest = magnitude / 10
        while rest > 0 {
            digitCount += 1
            rest /= 10
        }
        let length = digitCount + (number < 0 ? 1 : 0)
        precondition(count + length <= buffer.count, "FieldValueWriter: \(length) bytes do not fit")
        if number < 0 { buffer[count] = UInt8(ascii: "-") }
        var position = count + length
        repeat {
            position -= 1
            buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        count += length
    }

    /// Appends `number` in decimal.
    mutating func write(_ number: Int) {
        write(Int64(number))
    }

    private mutating func write(_ bytes: UnsafeRawBufferPointer) {
        precondition(count + bytes.count <= buffer.count, "FieldValueWriter: \(bytes.count) bytes do not fit")
        UnsafeMutableRawBufferPointer(rebasing: buffer[count..<(count + bytes.count)]).copyMemory(from: bytes)
        count += bytes.count
    }
}
