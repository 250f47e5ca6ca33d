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

    @Test func methodsAreEqualExactlyWhenTheirNamesAre() {
        let parsed = "PURGE".utf8.withContiguousStorageIfAvailable { HTTPMethod.parse(UnsafeRawBufferPointer($0)) }
        #expect(parsed == HTTPMethod("PURGE"))
        #expect(HTTPMethod.get == HTTPMethod("GET"))
        #expect(HTTPMethod("A-LONGER-EXTENSION-METHOD") == HTTPMethod("A-LONGER-EXTENSION-METHOD"))
        // Same length, different names; the same name in another case; a prefix.
        #expect(HTTPMethod.get != .put)
        #expect(HTTPMethod.post != HTTPMethod("post"))
        #expect(HTTPMethod.get != HTTPMethod("GETS"))
        #expect(HTTPMethod("A-LONGER-EXTENSION-METHOD") != HTTPMethod("A-LONGER-EXTENSION-METHOX"))
        // Equal methods hash alike, so sets and dictionaries agree with `==`.
        #expect(Set([HTTPMethod.get, HTTPMethod("GET"), .head, HTTPMethod("HEAD"), .put]).count == 3)
    }
}
