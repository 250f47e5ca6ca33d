import Testing
@testable import V5ProductionLimiter

/// Rate-limit values are written as bytes, not Strings; they must read exactly as Swift prints them.
@Suite struct FieldValueWriterTests {
    func written(_ write: (inout FieldValueWriter) -> Void) -> String {
        withUnsafeTemporaryAllocation(byteCount: 64, alignment: 1) { buffer in
            var writer = FieldValueWriter(buffer)
            write(&writer)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
    }

    @Test(arguments: [0, 1, 9, 10, 99, 100, 1_000_000, -1, -10, 1 << 40, Int64.max, Int64.min])
    func numbersReadAsTheirDecimalText(number: Int64) {
        #expect(written { $0.write(number) } == String(number))
    }

    @Test func textAndNumbersFollowEachOtherAndClearStartsAfresh() {
        #expect(written { writer in
            writer.write("\"")
            writer.write("tier:premium+route:/search")
            writer.write("\";r=")
            writer.write(42)
            writer.clear()
            writer.write(";t=")
            writer.write(7)
        } == ";t=7")
        #expect(written { writer in
            writer.write("\"")
            writer.write("naïve")
            writer.write("\";q=")
            writer.write(Int.max)
        } == "\"naïve\";q=\(Int.max)")
    }

    @Test func quotedTextIsAStructuredFieldStringWhateverItHolds() {
        #expect(written { $0.writeQuoted("tier:premium+route:/search") } == "\"tier:premium+route:/search\"")
        // RFC 9651, Section 4.1.6: `"` and `\` escaped; bytes outside 0x20-0x7E cannot be in a String.
        #expect(written { $0.writeQuoted("route:/a\"b\\c") } == "\"route:/a\\\"b\\\\c\"")
        #expect(written { $0.writeQuoted("na\u{EF}ve\r\n\u{7F}x") } == "\"navex\"")
        #expect(written { $0.writeQuoted("") } == "\"\"")
    }

    @Test func truncatingKeepsTheStartForASecondValue() {
        #expect(written { writer in
            writer.writeQuoted("anonymous")
            let quoted = writer.count
            writer.write(";q=")
            writer.write(5)
            writer.truncate(to: quoted)
            writer.write(";r=")
            writer.write(3)
        } == "\"anonymous\";r=3")
        #expect(written { writer in
            writer.write(123)
            writer.truncate(to: 0)
            writer.write(-45)
        } == "-45")
    }

    @Test func truncatingPastWhatWasWrittenStopsTheProcess() async {
        let exit = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            withUnsafeTemporaryAllocation(byteCount: 64, alignment: 1) { buffer in
                var writer = FieldValueWriter(buffer)
                writer.write(7)
                writer.truncate(to: 2)
            }
        }
        let standardError = String(decoding: exit?.standardErrorContent ?? [], as: UTF8.self)
        #expect(standardError.contains("cannot keep 2 of 1 bytes"))
    }
}
