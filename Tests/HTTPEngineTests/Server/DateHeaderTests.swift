import Glibc
import Testing
@testable import HTTPEngine

@Suite("Date response field")
struct DateHeaderTests {
    /// Expects exactly one `Date` field holding an IMF-fixdate within a few seconds of now.
    func expectCurrentDate(_ headers: HTTPHeaders, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(headers.count(named: "date") == 1, sourceLocation: sourceLocation)
        let value = headers["date"] ?? ""
        let parsed = parseIMFFixdate(value)
        #expect(parsed != nil, "not an IMF-fixdate: \(value)", sourceLocation: sourceLocation)
        if let parsed {
            #expect(abs(parsed - Int(time(nil))) <= 5, "\(value) is not close to now", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (4_102_444_799, "Thu, 31 Dec 2099 23:59:59 GMT"),
    ])
    func formatsInstantsAsIMFFixdate(seconds: Int, expected: String) {
        var output = [UInt8](repeating: 0, count: HTTPDateCache.dateCount)
        output.withUnsafeMutableBufferPointer { HTTPDateCache.formatIMFFixdate(seconds, into: $0) }
        #expect(String(decoding: output, as: UTF8.self) == expected)
        #expect(parseIMFFixdate(expected) == seconds)
    }

    @Test func cacheWritesTheWholeFieldLineForTheCurrentSecond() {
        let cache = HTTPDateCache()
        var output: [UInt8] = []
        cache.appendField(to: &output)
        let line = String(decoding: output, as: UTF8.self)
        #expect(line.hasPrefix("Date: ") && line.hasSuffix("\r\n"))
        #expect(output.count == "Date: ".utf8.count + HTTPDateCache.dateCount + 2)
        let value = String(decoding: output.dropFirst(6).dropLast(2), as: UTF8.self)
        #expect(parseIMFFixdate(value).map { abs($0 - Int(time(nil))) <= 5 } == true)
    }

    @Test func addsADateToCompleteAndStreamedResponses() async throws {
        let handler = HTTPClosureHandler { request in
            if request.path == "/stream" {
                return HTTPResponse(body: .stream { writer in try await writer.write("streamed") })
            }
            return HTTPResponse(body: .init(string: "ok"))
        }
        try await withTestServer(handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                for path in ["/", "/stream", "/"] {
                    client.send("GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n")
                    let response = try #require(try client.readResponse())
                    #expect(response.status == 200)
                    expectCurrentDate(response.headers)
                }
            }
        }
    }

    /// Error answers the engine produces on its own, without the handler.
    enum EngineError: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case badRequest
        case requestTimeout
        case contentTooLarge
        case headerFieldsTooLarge
        var testDescription: String { rawValue }

        var status: Int {
            switch self {
            case .badRequest: 400
            case .requestTimeout: 408
            case .contentTooLarge: 413
            case .headerFieldsTooLarge: 431
            }
        }

        var request: String {
            switch self {
            case .badRequest: "GET / HTTP/1.1\r\n\r\n"
            case .requestTimeout: "GET / HTTP/1.1\r\nHost: t\r\n"
            case .contentTooLarge: "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n"
            case .headerFieldsTooLarge: "GET / HTTP/1.1\r\nHost: t\r\nX: \(String(repeating: "b", count: 40_000))\r\n\r\n"
            }
        }
    }

    @Test(arguments: EngineError.allCases)
    func addsADateToErrorResponsesTheEngineWrites(error: EngineError) async throws {
        let configure: (inout HTTPServerConfiguration) -> Void = {
            // Only the time-out case gets a short time-out: under load the others could hit it first.
            if error == .requestTimeout { $0.headerReadTimeout = .milliseconds(300) }
            $0.maxRequestBodySize = 1000
        }
        try await withTestServer(configure: configure, handler: okHandler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send(error.request)
                let response = try #require(try client.readResponse())
                #expect(response.status == error.status)
                expectCurrentDate(response.headers)
            }
        }
    }

    @Test func keepsTheHandlersOwnDateInsteadOfAddingASecond() async throws {
        let handler = HTTPClosureHandler { _ in
            HTTPResponse(headers: HTTPHeaders([("date", "Tue, 01 Jan 2030 00:00:00 GMT")]), body: .init(string: "ok"))
        }
        try await withTestServer(handler: handler) { _, port in
            try await blocking {
                let client = try RawClient(port: port)
                client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try #require(try client.readResponse())
                #expect(response.headers.count(named: "date") == 1)
                #expect(response.headers["date"] == "Tue, 01 Jan 2030 00:00:00 GMT")
            }
        }
    }

    @Test func leavesTheDateOffOneHundredContinue() async throws {
        try await withTestServer(handler: echoHandler) { _, port in
            try await blocking {
                // Reads the raw stream so the interim response itself is checked.
                let client = try RawClient(port: port)
                client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
                let interim = "HTTP/1.1 100 Continue\r\n\r\n"
                let received = try client.readUntilCount(interim.utf8.count)
                #expect(String(decoding: received.prefix(interim.utf8.count), as: UTF8.self) == interim)
                client.send("data")
                // The interim head ends after exactly those bytes, so it has no Date; the final one does.
                let final = try #require(try client.readResponse())
                #expect(final.status == 200)
                expectCurrentDate(final.headers)
            }
        }
    }
}
