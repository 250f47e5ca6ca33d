import Testing
@testable import HTTPEngine

/// The buffer behind every header list keeps value semantics: a write never shows through
/// another value sharing the bytes, growth keeps every byte, and an owner writes in place.
@Suite struct HeaderBytesTests {
    func append(_ byte: UInt8, to value: inout HeaderBytes) {
        value.append(byteCount: 1) { $0[0] = byte }
    }

    func bytes(_ value: HeaderBytes) -> [UInt8] {
        value.withUnsafeBytes { Array($0) }
    }

    func address(_ value: HeaderBytes) -> UnsafeRawPointer? {
        value.withUnsafeBytes { $0.baseAddress }
    }

    func filled(_ text: String, capacity: Int) -> HeaderBytes {
        let utf8 = Array(text.utf8)
        return HeaderBytes(capacity: capacity) { buffer in
            utf8.withUnsafeBytes { buffer.copyMemory(from: $0) }
            return utf8.count
        }
    }

    @Test func appendsWithinCapacityStayInPlaceAndBeyondItKeepEveryByte() {
        var value = filled("ab", capacity: 4)
        let before = address(value)
        append(UInt8(ascii: "c"), to: &value)
        Array("d".utf8).withUnsafeBytes { value.append(contentsOf: $0) }
        #expect(address(value) == before)
        Array("efghij".utf8).withUnsafeBytes { value.append(contentsOf: $0) }
        #expect(bytes(value) == Array("abcdefghij".utf8))
        #expect(value.capacity >= 10)
    }

    @Test func aCopysAppendsNeverShowThroughTheOriginal() {
        var original = filled("head", capacity: 64)
        var copy = original
        append(UInt8(ascii: "!"), to: &copy)
        #expect(bytes(original) == Array("head".utf8))
        #expect(bytes(copy) == Array("head!".utf8))
        append(UInt8(ascii: "?"), to: &original)
        #expect(bytes(original) == Array("head?".utf8))
        #expect(bytes(copy) == Array("head!".utf8))
    }

    @Test func writesInPlaceCopyOnlyWhenShared() {
        var owner = filled("abcd", capacity: 8)
        let before = address(owner)
        owner.withUnsafeMutableBytes { $0[0] = UInt8(ascii: "x") }
        #expect(address(owner) == before)
        let reader = owner
        owner.withUnsafeMutableBytes { $0[1] = UInt8(ascii: "y") }
        #expect(address(owner) != before)
        #expect(bytes(reader) == Array("xbcd".utf8))
        #expect(bytes(owner) == Array("xycd".utf8))
    }

    @Test func emptyBytesNeedNoBufferAndGrowOnFirstAppend() {
        var empty = HeaderBytes()
        #expect(empty.count == 0)
        #expect(bytes(empty).isEmpty)
        #expect(HeaderBytes(copying: [UInt8]()).count == 0)
        append(UInt8(ascii: "a"), to: &empty)
        #expect(bytes(empty) == [UInt8(ascii: "a")])
    }

    @Test func slicesAreCopiesOfTheRange() {
        var value = HeaderBytes(copying: Array("GET /items HTTP/1.1".utf8))
        let slice = value[4..<10]
        value.withUnsafeMutableBytes { $0[4] = UInt8(ascii: "#") }
        #expect(Array(slice) == Array("/items".utf8))
    }
}
