import Testing
@testable import HTTPEngine

/// A parser can leave room in a head's buffer for fields added later (a proxy's edits of the
/// response it passes on). Edits within the room must not move the buffer, edits beyond it must
/// keep every field, and no edit in place may show through a copy of the headers.
@Suite struct HeaderRoomTests {
    static let response = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n"
        + "Connection: keep-alive\r\n\r\nHello, world!"
    static let received = ["Server: nginx", "Content-Type: text/plain", "Content-Length: 13", "Connection: keep-alive"]

    func parsed(room: HTTPParser.HeaderRoom) throws -> HTTPHeaders {
        try #require(try parseMessage(Self.response, mode: .response, headerRoom: room).responseHead).headers
    }

    func lines(_ headers: HTTPHeaders) -> [String] {
        var output: [UInt8] = []
        headers.appendFields(to: &output, excluding: [])
        return String(decoding: output, as: UTF8.self).split(separator: "\r\n").map(String.init)
    }

    func bufferAddress(_ headers: HTTPHeaders) -> UnsafeRawPointer? {
        headers.storage.withUnsafeBytes { $0.baseAddress }
    }

    /// A field of 20 bytes as stored (`name: value` CRLF).
    func field(_ number: Int) -> (name: String, value: String) {
        ("X-Field-\(number)", "value-\(number)".padding(toLength: 6, withPad: "-", startingAt: 0))
    }

    @Test func fieldsAddedWithinTheRoomLeaveTheBufferWhereItWas() throws {
        var headers = try parsed(room: HTTPParser.HeaderRoom(fields: 3, bytes: 60))
        let address = bufferAddress(headers)
        headers.removeAll { $0.isNamed(lowercase: "connection") }
        for number in 1...3 { headers.add(name: field(number).name, value: field(number).value) }
        #expect(bufferAddress(headers) == address)
        #expect(lines(headers) == Self.received.dropLast() + (1...3).map { "\(field($0).name): \(field($0).value)" })
    }

    @Test func fieldsAddedBeyondTheRoomAreKeptWithEveryOther() throws {
        for room in [HTTPParser.HeaderRoom(), HTTPParser.HeaderRoom(fields: 2, bytes: 30), HTTPParser.HeaderRoom(fields: 8, bytes: 512)] {
            var headers = try parsed(room: room)
            for number in 1...40 { headers.add(name: field(number).name, value: field(number).value) }
            #expect(lines(headers) == Self.received + (1...40).map { "\(field($0).name): \(field($0).value)" })
            #expect(headers["x-field-40"] == field(40).value && headers["server"] == "nginx")
        }
    }

    @Test func anEditInPlaceNeverShowsThroughACopy() throws {
        var edited = try parsed(room: HTTPParser.HeaderRoom(fields: 8, bytes: 512))
        let copyBefore = edited
        edited.removeAll { $0.isNamed(lowercase: "server") }
        edited.add(name: "X-Added", value: "1")
        #expect(lines(copyBefore) == Self.received)
        #expect(lines(edited) == Self.received.dropFirst() + ["X-Added: 1"])

        // And the other way round: the copy is edited, the original still owns its room.
        var copyEdited = edited
        copyEdited.add(name: "X-Copy", value: "2")
        edited.add(name: "X-Original", value: "3")
        #expect(lines(copyEdited) == Self.received.dropFirst() + ["X-Added: 1", "X-Copy: 2"])
        #expect(lines(edited) == Self.received.dropFirst() + ["X-Added: 1", "X-Original: 3"])
    }

    @Test func aClientLeavesRoomInResponseHeadsByDefault() {
        let room = HTTPClientConfiguration().responseHeaderRoom
        #expect(room.fields >= 6 && room.bytes >= 256)
    }

    @Test func negativeRoomStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            _ = HTTPParser.HeaderRoom(fields: -1, bytes: 0)
        }
        await #expect(processExitsWith: .failure) {
            _ = HTTPParser.HeaderRoom(fields: 0, bytes: -1)
        }
    }
}
