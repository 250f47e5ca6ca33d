import Testing
@testable import HTTPEngine

/// Fields added as checked (`add(checkedName:checkedValueBytes:)`, for values valid by
/// construction) are sent as given and join the checked prefix only right after it; every other
/// added field is still checked when sent, so an invalid one is still dropped.
@Suite struct CheckedFieldTests {
    static let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Upstream: a\r\n\r\n"

    func serialized(_ headers: HTTPHeaders) -> String {
        var output: [UInt8] = []
        headers.appendFields(to: &output, excluding: [])
        return String(decoding: output, as: UTF8.self)
    }

    func add(checked name: String, _ value: String, to headers: inout HTTPHeaders) {
        Array(value.utf8).withUnsafeBytes { headers.add(checkedName: name, checkedValueBytes: $0) }
    }

    @Test func checkedFieldsRightAfterParsedOnesJoinTheCheckedPrefix() throws {
        var headers = try #require(try parseMessage(Self.head, mode: .response).responseHead).headers
        #expect(headers.validatedCount == 2)
        add(checked: "X-Request-ID", "0123abcd", to: &headers)
        add(checked: "RateLimit", #""anonymous";r=4"#, to: &headers)
        #expect(headers.validatedCount == 4)
        #expect(serialized(headers) == "Content-Type: text/plain\r\nX-Upstream: a\r\nX-Request-ID: 0123abcd\r\nRateLimit: \"anonymous\";r=4\r\n")
    }

    @Test func aCheckedFieldAfterAnUncheckedOneIsCheckedWhenSentLikeIt() throws {
        var headers = try #require(try parseMessage(Self.head, mode: .response).responseHead).headers
        // From outside, unchecked: a CR LF here would split the response, so it is dropped when sent.
        headers.add(name: "X-Split", value: "a\r\nInjected: yes")
        add(checked: "RateLimit", #""anonymous";r=4"#, to: &headers)
        #expect(headers.validatedCount == 2)
        #expect(serialized(headers) == "Content-Type: text/plain\r\nX-Upstream: a\r\nRateLimit: \"anonymous\";r=4\r\n")
    }

    #if DEBUG
    /// A caller that breaks the promise fails its tests (debug builds check); release builds trust it.
    @Test func anInvalidCheckedFieldStopsADebugBuild() async {
        let exit = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var headers = HTTPHeaders()
            Array("a\r\nInjected: yes".utf8).withUnsafeBytes { headers.add(checkedName: "X-Split", checkedValueBytes: $0) }
        }
        let standardError = String(decoding: exit?.standardErrorContent ?? [], as: UTF8.self)
        #expect(standardError.contains("a checked field has an invalid name or value"))
    }
    #endif
}
