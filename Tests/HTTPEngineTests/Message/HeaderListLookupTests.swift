import Testing
@testable import HTTPEngine

/// Comma-separated list fields (`Connection`, `Expect`, `Transfer-Encoding`): an element is
/// found in any field of that name, whatever the case of name and element, with the
/// whitespace around it trimmed, and never as part of a longer element.
@Suite struct HeaderListLookupTests {
    static let head = "GET / HTTP/1.1\r\nHost: example.com\r\nconnection: keep-alive ,\tX-Trace\r\n"
        + "X-Other: close\r\nCONNECTION: , Upgrade,closed\r\n\r\n"

    func parsedHeaders() throws -> HTTPHeaders {
        try #require(try parseMessage(Self.head).requestHead).headers
    }

    @Test func anElementOfAnyFieldOfTheNameIsFoundWhateverItsCaseAndSpacing() throws {
        for headers in [try parsedHeaders(), HTTPHeaders([("connection", "keep-alive ,\tX-Trace"), ("X-Other", "close"), ("CONNECTION", ", Upgrade,closed")])] {
            for token in ["keep-alive", "KEEP-ALIVE", "x-trace", "upgrade", "closed"] {
                #expect(headers.containsToken(token, inField: "Connection"), "\(token)")
            }
        }
    }

    @Test func aTokenIsNotFoundInsideALongerElementNorInAnotherField() throws {
        for headers in [try parsedHeaders(), HTTPHeaders([("connection", "keep-alive ,\tX-Trace"), ("X-Other", "close"), ("CONNECTION", ", Upgrade,closed")])] {
            // `close` is only a prefix of `closed` here, and the one real `close` is in X-Other.
            for token in ["close", "keep", "alive", "trace", ""] {
                #expect(!headers.containsToken(token, inField: "connection"), "\(token)")
            }
            #expect(!headers.containsToken("keep-alive", inField: "connectio"))
            #expect(!headers.containsToken("keep-alive", inField: "X-Connection"))
        }
    }

    @Test func aPredicateSeesEveryTrimmedNonEmptyElementInOrderUntilOneHolds() throws {
        let headers = try parsedHeaders()
        var seen: [String] = []
        let found = headers.containsListElement(inField: "Connection") { element in
            seen.append(String(decoding: element.bytes, as: UTF8.self))
            return element.isNamed("upgrade")
        }
        #expect(found)
        #expect(seen == ["keep-alive", "X-Trace", "Upgrade"])
        seen = []
        #expect(!headers.containsListElement(inField: "connection") { seen.append(String(decoding: $0.bytes, as: UTF8.self)); return false })
        #expect(seen == ["keep-alive", "X-Trace", "Upgrade", "closed"])
    }

    @Test func keepAliveFollowsTheConnectionListOfEitherVersion() throws {
        let closing = try #require(try parseMessage("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n").requestHead)
        #expect(!closing.isKeepAlive)
        let closedIsNotClose = try #require(try parseMessage("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n").requestHead)
        #expect(closedIsNotClose.isKeepAlive)
        let oldKeepingAlive = try #require(try parseMessage("GET / HTTP/1.0\r\nConnection: x, Keep-Alive\r\n\r\n").requestHead)
        #expect(oldKeepingAlive.isKeepAlive)
        let oldDefault = try #require(try parseMessage("GET / HTTP/1.0\r\nConnection: keep-alives\r\n\r\n").requestHead)
        #expect(!oldDefault.isKeepAlive)
    }
}
