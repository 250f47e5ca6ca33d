import Testing
@testable import HTTPEngine

/// The context keeps a few values inline and the rest aside; every value must stay reachable.
@Suite struct RequestContextTests {
    enum First: HTTPRequestContextKey { typealias Value = String }
    enum Second: HTTPRequestContextKey { typealias Value = Int }
    enum Third: HTTPRequestContextKey { typealias Value = [String] }
    enum Fourth: HTTPRequestContextKey { typealias Value = Double }
    enum Fifth: HTTPRequestContextKey { typealias Value = String }
    enum Sixth: HTTPRequestContextKey { typealias Value = Bool }

    func filled() -> HTTPRequestContext {
        let context = HTTPRequestContext()
        context[First.self] = "one"
        context[Second.self] = 2
        context[Third.self] = ["three"]
        context[Fourth.self] = 4.5
        context[Fifth.self] = "five"
        context[Sixth.self] = true
        return context
    }

    @Test func moreValuesThanFitInlineAreAllKept() {
        let context = filled()
        #expect(context[First.self] == "one")
        #expect(context[Second.self] == 2)
        #expect(context[Third.self] == ["three"])
        #expect(context[Fourth.self] == 4.5)
        #expect(context[Fifth.self] == "five")
        #expect(context[Sixth.self] == true)
    }

    @Test func settingAgainReplacesAndNilRemovesWhereverTheValueLives() {
        let context = filled()
        context[Second.self] = 20
        context[Sixth.self] = false
        context[First.self] = nil
        context[Fifth.self] = nil
        #expect(context[Second.self] == 20)
        #expect(context[Sixth.self] == false)
        #expect(context[First.self] == nil)
        #expect(context[Fifth.self] == nil)
        // A freed inline slot is reused, and the value aside is still found once.
        context[First.self] = "again"
        context[Fifth.self] = "back"
        #expect(context[First.self] == "again")
        #expect(context[Fifth.self] == "back")
        #expect(context[Third.self] == ["three"])
    }

    @Test func removingAValueReturnsItOnceWhereverItLives() {
        let context = filled()
        #expect(context.removeValue(forKey: Second.self) == 2)
        #expect(context.removeValue(forKey: Sixth.self) == true)
        #expect(context.removeValue(forKey: Second.self) == nil)
        #expect(context[Second.self] == nil)
        #expect(context[Sixth.self] == nil)
        #expect(context[Fifth.self] == "five")
        #expect(HTTPRequestContext().removeValue(forKey: First.self) == nil)
        // The freed inline slot takes the next new value.
        context[Second.self] = 22
        #expect(context[Second.self] == 22)
    }

    @Test func anUnsetKeyReadsAsNil() {
        #expect(HTTPRequestContext()[First.self] == nil)
    }

    /// The handler behind the layer under test; the tests read what `respondImmediately` left in the request.
    struct Recording: HTTPHandler {
        func handle(_ request: HTTPRequest) async throws -> HTTPResponse { HTTPResponse() }
    }

    func request(requestIDField value: String? = nil) -> HTTPRequest {
        var headers = HTTPHeaders()
        if let value { headers.add(name: "X-Request-ID", value: value) }
        let address = SocketAddress(host: "127.0.0.1", port: 1)!
        return HTTPRequest(head: HTTPRequestHead(method: .get, target: "/", headers: headers), remoteAddress: address, localAddress: address)
    }

    @Test func theFirstLayerFixesTheClientsSaneIDOrAGeneratedOne() {
        var sent = request(requestIDField: "abc-123")
        _ = RequestContextMiddleware().respondImmediately(to: &sent, next: Recording())
        #expect(sent.context?.requestID == "abc-123")
        var unsent = request()
        _ = RequestContextMiddleware().respondImmediately(to: &unsent, next: Recording())
        #expect(unsent.context?.requestID?.description.utf8.count == 32)
        var insane = request(requestIDField: String(repeating: "x", count: 129))
        _ = RequestContextMiddleware().respondImmediately(to: &insane, next: Recording())
        #expect(insane.context?.requestID?.description.utf8.count == 32)
    }

    @Test func aContextMadeBeforeTheFirstLayerGetsAnIDAndKeepsItsValues() {
        var request = request(requestIDField: "abc-123")
        let early = filled()
        request.context = early
        _ = RequestContextMiddleware().respondImmediately(to: &request, next: Recording())
        let context = request.context
        #expect(context?.requestID == "abc-123")
        #expect(context?[First.self] == "one")
        #expect(context?[Sixth.self] == true)
        // A context that has an ID is kept as it is.
        let kept = HTTPRequestContext(requestID: "kept")
        request.context = kept
        _ = RequestContextMiddleware().respondImmediately(to: &request, next: Recording())
        #expect(request.context === kept)
        #expect(request.context?.requestID == "kept")
    }
}
