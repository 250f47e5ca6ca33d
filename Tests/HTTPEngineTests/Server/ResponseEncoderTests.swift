import Testing
@testable import HTTPEngine

/// Response heads as the server writes them: the status line and fields a handler chose, never a
/// byte that would end a line early.
@Suite struct ResponseEncoderTests {
    func head(_ status: HTTPStatus, _ headers: HTTPHeaders = HTTPHeaders(), framing: HTTPBodyFraming = .length(0)) -> String {
        var output: [UInt8] = []
        ResponseEncoder.appendHead(status: status, headers: headers, framing: framing, connection: .keepAlive, date: HTTPDateCache(), to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    func lines(_ text: String) -> [String] {
        text.components(separatedBy: "\r\n")
    }

    @Test func standardAndCustomReasonPhrasesAreSentAsGiven() {
        #expect(lines(head(.ok))[0] == "HTTP/1.1 200 OK")
        #expect(lines(head(HTTPStatus(code: 418, reasonPhrase: "I'm a teapot")))[0] == "HTTP/1.1 418 I'm a teapot")
    }

    @Test func reasonPhraseBytesThatCouldEndTheLineAreLeftOut() {
        let text = head(HTTPStatus(code: 200, reasonPhrase: "OK\r\nSet-Cookie: session=stolen\0\u{7F}"), framing: .length(2))
        #expect(lines(text)[0] == "HTTP/1.1 200 OKSet-Cookie: session=stolen")
        #expect(!lines(text).contains { $0.hasPrefix("Set-Cookie") })
        #expect(text.hasSuffix("Content-Length: 2\r\nConnection: keep-alive\r\n\r\n"))
    }

    @Test func fieldsWithNamesThatAreNotTokensAreNotSent() {
        var headers = HTTPHeaders()
        headers.add(name: "X-Good", value: "1")
        headers.add(name: "X Bad", value: "2")
        headers.add(name: "X-Also(Bad)", value: "3")
        headers.add(name: "content-length", value: "99")
        let sent = lines(head(.ok, headers, framing: .length(5)))
        #expect(sent.contains("X-Good: 1"))
        #expect(!sent.contains { $0.hasPrefix("X Bad") || $0.hasPrefix("X-Also") || $0 == "content-length: 99" })
        #expect(sent.contains("Content-Length: 5"))
    }
}
