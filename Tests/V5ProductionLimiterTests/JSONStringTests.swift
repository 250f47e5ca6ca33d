import Foundation
import Testing
@testable import V5ProductionLimiter

/// The hand-written JSON of error bodies and log lines, from the hostile side: whatever a client
/// puts in a path, a request ID or an API key, the literal parses back to exactly that text.
@Suite struct JSONStringTests {
    @Test func everyControlCharacterQuoteAndBackslashRoundTrips() throws {
        let hostile = (0..<0x80).map { String(UnicodeScalar(UInt8($0))) }
            + [#"""#, #"\"#, #"\""#, "\u{7F}", "\u{2028}\u{2029}", "é🚦", "a\"},\"injected\":{\"", "\r\n{\"event\":\"fake\"}"]
        for text in hostile {
            let literal = JSONString.quoted(text)
            let parsed = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: .fragmentsAllowed) as? String
            #expect(parsed == text, "\(literal.debugDescription)")
            // One line: a newline inside a value would split a log line in two.
            #expect(!literal.utf8.contains(UInt8(ascii: "\n")) && !literal.utf8.contains(UInt8(ascii: "\r")))
        }
        #expect(JSONString.escaped(#"a"b"#) == #"a\"b"#)
    }
}
