import Testing
@testable import HTTPEngine

/// A parsed head keeps its field table inside its byte buffer; reading, copying, editing and
/// filtering must behave as with headers built in code.
@Suite struct ParsedHeaderTableTests {
    static let head = "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nX-Tag: one\r\nx-tag:  two \r\n"
        + "Cookie: k=v\r\nX-Empty:\r\nVia: 1.1 proxy\r\nx-TAG: three\r\n\r\n"
    static let fields: [(name: String, value: String)] = [
        ("Host", "example.com"), ("Accept", "*/*"), ("X-Tag", "one"), ("x-tag", "two"),
        ("Cookie", "k=v"), ("X-Empty", ""), ("Via", "1.1 proxy"), ("x-TAG", "three"),
    ]

    func parsedHeaders() throws -> HTTPHeaders {
        try #require(try parseMessage(Self.head).requestHead).headers
    }

    func pairs(_ headers: HTTPHeaders) -> [String] {
        headers.map { "\($0.name)=\($0.value)" }
    }

    @Test func parsedFieldsKeepTheirOrderNamesAndValues() throws {
        let headers = try parsedHeaders()
        #expect(headers.count == Self.fields.count)
        #expect(pairs(headers) == Self.fields.map { "\($0.name)=\($0.value)" })
        #expect(headers.values(name: "X-TAG") == ["one", "two", "three"])
        #expect(headers["x-empty"] == "")
        #expect(headers.firstValueBytes(name: "cookie").map(Array.init) == Array("k=v".utf8))
    }

    @Test func editingACopyLeavesTheParsedOriginalAsItWas() throws {
        let original = try parsedHeaders()
        var copy = original
        copy.remove(name: "x-tag")
        copy.add(name: "X-Added", value: "yes")
        copy["host"] = "other.example"
        #expect(pairs(original) == Self.fields.map { "\($0.name)=\($0.value)" })
        #expect(pairs(copy) == ["Accept=*/*", "Cookie=k=v", "X-Empty=", "Via=1.1 proxy", "X-Added=yes", "host=other.example"])
    }

    @Test func everyEditAfterParsingKeepsTheOtherFieldsAndTheTarget() throws {
        var head = try #require(try parseMessage(Self.head).requestHead)
        head.headers.add(name: "X-First-Edit", value: "1")
        head.headers.add(name: "X-Second-Edit", value: "2")
        head.headers.remove(name: "accept")
        #expect(head.headers.count == Self.fields.count + 1)
        #expect(pairs(head.headers).prefix(1) == ["Host=example.com"])
        #expect(pairs(head.headers).suffix(2) == ["X-First-Edit=1", "X-Second-Edit=2"])
        #expect(head.target == "/a?b=c")
        #expect(head.isKeepAlive)
    }

    @Test func filteringParsedHeadersKeepsTheRestInOrder() throws {
        let headers = try parsedHeaders()
        var filtered = headers.filtered(reservingBytes: 16, fields: 1) { $0.isNamed("x-tag") || $0.isNamed("cookie") }
        filtered.add(name: "Forwarded", value: "for=10.0.0.1")
        #expect(pairs(filtered) == ["Host=example.com", "Accept=*/*", "X-Empty=", "Via=1.1 proxy", "Forwarded=for=10.0.0.1"])
    }

    @Test func serializedParsedHeadersMatchTheReceivedFields() throws {
        var output: [UInt8] = []
        try parsedHeaders().appendFields(to: &output, excluding: [Array("via".utf8)])
        let expected = Self.fields.filter { $0.name != "Via" }.map { "\($0.name): \($0.value)\r\n" }.joined()
        #expect(String(decoding: output, as: UTF8.self) == expected)
    }

    /// The serializer skips its checks for the parser's fields only; every edit must keep
    /// fields added in code, which nobody checked, out of that set wherever they move.
    @Test func unsafeFieldsAddedAfterParsingAreStillDroppedWhenSentAfterAnyEdit() throws {
        let attacks = [("X-Split", "ok\r\nSet-Cookie: stolen=1"), ("Bad Name", "v"), ("X-Nul", "a\u{0}b"), ("", "empty name")]
        let edits: [(String, (inout HTTPHeaders) -> Void)] = [
            ("none", { _ in }),
            ("remove one", { $0.remove(name: "host") }),
            ("remove many", { $0.remove(names: ["X-TAG", "accept", "host", "cookie", "via", "x-empty"]) }),
            ("filter", { $0 = $0.filtered(reservingBytes: 0, fields: 0) { $0.isNamed("x-tag") || $0.isNamed("host") } }),
        ]
        for (label, edit) in edits {
            var headers = try parsedHeaders()
            for (name, value) in attacks { headers.add(name: name, value: value) }
            headers.add(name: "X-Safe", value: "kept")
            edit(&headers)
            var output: [UInt8] = []
            headers.appendFields(to: &output, excluding: [])
            let text = String(decoding: output, as: UTF8.self)
            #expect(!text.contains("stolen") && !text.contains("Bad Name") && !text.contains("empty name") && !output.contains(0), "after \(label)")
            #expect(text.hasSuffix("X-Safe: kept\r\n"), "after \(label)")
            // Every line sent is one of the fields that remain, as `name: value`.
            let expected = headers.filter { !attacks.map(\.0).contains($0.name) }.map { "\($0.name): \($0.value)\r\n" }.joined()
            #expect(text == expected, "after \(label)")
        }
    }

    /// Lines stored as sent go out in runs copied whole; whatever was removed, skipped or added
    /// in between, the output must be exactly the remaining fields, each as `name: value` CRLF.
    @Test func serializedFieldsMatchTheRemainingPairsAfterEveryMixOfEdits() throws {
        let excluded = ["cookie"]
        // Every sequence of four edits, each one of four kinds.
        for sequence in 0..<256 {
            var headers = try parsedHeaders()
            for step in 0..<4 {
                switch (sequence >> (2 * step)) & 3 {
                case 0: headers.add(name: "X-Added-\(step)", value: step.isMultiple(of: 2) ? "v\(step)" : "")
                case 1: headers.remove(name: ["host", "x-tag", "X-Added-1", "via"][step])
                case 2: headers.remove(names: ["accept", "X-Added-\(step - 1)"])
                default: headers = headers.filtered(reservingBytes: 8, fields: 1) { $0.isNamed("x-empty") }
                }
            }
            var output: [UInt8] = []
            headers.appendFields(to: &output, excluding: excluded.map { Array($0.utf8) })
            let expected = headers.filter { !excluded.contains($0.name.lowercased()) }.map { "\($0.name): \($0.value)\r\n" }.joined()
            #expect(String(decoding: output, as: UTF8.self) == expected, "edits \(sequence)")
        }
    }

    /// A lookup skips the scan when no field has a name of the asked length (`nameLengths`):
    /// every field must still be found, parsed, added or copied, after removals, at every length
    /// (names of 63 bytes and more share one bit).
    @Test func everyFieldIsFoundWhateverTheLengthOfItsName() throws {
        let names = (1...70).map { String(repeating: "n", count: $0 - 1) + "x" }
        let parsedFields = names.indices.filter { $0.isMultiple(of: 2) }.map { "\(names[$0]): \($0)\r\n" }.joined()
        var parser = HTTPParser(mode: .request, limits: HTTPParserLimits(maxHeaderBytes: 8192, maxHeaderCount: 100))
        let input = Array("GET / HTTP/1.1\r\nHost: t\r\n\(parsedFields)\r\n".utf8)
        let step = try input.withUnsafeBytes { bytes in Result { () throws(HTTPParseError) in try parser.parse(bytes) } }.get()
        guard case .requestHead(let head)? = step.event else { Issue.record("no head parsed"); return }
        var headers = head.headers
        for index in names.indices where !index.isMultiple(of: 2) { headers.add(name: names[index].uppercased(), value: "\(index)") }
        for index in names.indices { #expect(headers[names[index]] == "\(index)", "length \(index + 1)") }
        for absent in ["y", "yy", String(repeating: "y", count: 64)] { #expect(!headers.contains(name: absent)) }
        let copy = headers.filtered(reservingBytes: 0, fields: 0) { $0.count == 5 }
        for index in names.indices { #expect(copy[names[index]] == (index == 4 ? nil : "\(index)"), "copy, length \(index + 1)") }
        headers.remove(names: [names[63], names[64]])
        #expect(headers[names[63]] == nil && headers[names[64]] == nil)
        #expect(headers[names[65]] == "65" && headers[names[62]] == "62")
    }

    @Test func removingSeveralNamesAtOnceMatchesRemovingEachInTurn() throws {
        var together = try parsedHeaders()
        var inTurn = together
        together.remove(names: ["x-tag", "COOKIE", "not-there"])
        for name in ["x-tag", "COOKIE", "not-there"] { inTurn.remove(name: name) }
        #expect(pairs(together) == pairs(inTurn))
        #expect(pairs(together) == ["Host=example.com", "Accept=*/*", "X-Empty=", "Via=1.1 proxy"])
        var untouched = try parsedHeaders()
        untouched.remove(names: ["absent"])
        #expect(pairs(untouched) == Self.fields.map { "\($0.name)=\($0.value)" })
    }

    @Test func aValueAddedAsBytesReadsAndIsSentLikeOneAddedAsAString() throws {
        var headers = try parsedHeaders()
        Array("42;w=1".utf8).withUnsafeBytes { headers.add(name: "RateLimit", valueBytes: $0) }
        #expect(headers["ratelimit"] == "42;w=1")
        var output: [UInt8] = []
        headers.appendFields(to: &output, excluding: [])
        #expect(String(decoding: output, as: UTF8.self).hasSuffix("x-TAG: three\r\nRateLimit: 42;w=1\r\n"))
    }

    @Test func responseHeadFieldsAreReadFromTheirTable() throws {
        let parsed = try parseMessage("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\nx-a: 2\r\n\r\nok", mode: .response)
        let headers = try #require(parsed.responseHead).headers
        #expect(headers.values(name: "x-a") == ["1", "2"])
        #expect(parsed.body == Array("ok".utf8))
    }
}
