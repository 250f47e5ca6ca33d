import Testing
@testable import HTTPEngine

@Suite struct HTTPMethodTests {
    @Test func exactlyTheIdempotentMethodsOfRFC9110AreIdempotent() {
        let idempotent: [HTTPMethod] = [.get, .head, .options, .put, .delete, .trace]
        let notIdempotent: [HTTPMethod] = [.post, .patch, .connect, HTTPMethod("PURGE"), HTTPMethod("get"), HTTPMethod("GETS"), HTTPMethod("")]
        for method in idempotent { #expect(method.isIdempotent, "\(method)") }
        for method in notIdempotent { #expect(!method.isIdempotent, "\(method)") }
    }

    @Test func anEmptyBodyIsAnnouncedOnlyForMethodsThatUsuallyCarryOne() throws {
        for (method, framing) in [(HTTPMethod.post, HTTPBodyFraming.length(0)), (.put, .length(0)), (.patch, .length(0)),
                                  (.get, .none), (.delete, .none), (HTTPMethod("post"), .none)] {
            let request = HTTPClientRequest(method: method, host: "example.com", port: 80, target: "/")
            #expect(RequestEncoder.framing(of: request) == framing, "\(method)")
        }
    }
}
