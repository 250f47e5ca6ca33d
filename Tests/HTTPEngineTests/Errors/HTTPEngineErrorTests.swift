import Glibc
import Testing
@testable import HTTPEngine

/// The engine's one error type: each code's status, the context it carries, how errors compare.
@Suite("Engine errors")
struct HTTPEngineErrorTests {
    /// Time-outs 504, no connection to be had 503, the upstream's fault 502, the request's 400,
    /// misuse of the engine 500: the mapping a proxy answers with.
    @Test(arguments: [
        (HTTPEngineError.Code.connectTimeout, 504), (.responseTimeout, 504), (.requestTimeout, 504),
        (.overloaded, 503), (.backingOff, 503), (.shutDown, 503), (.eventLoopStopped, 503),
        (.connectRefused, 502), (.connectFailed, 502), (.unresolvableHost, 502), (.setupRejected, 502),
        (.connectionClosed, 502), (.malformedResponse, 502), (.responseBodyTooLarge, 502),
        (.invalidRequest, 400), (.requestBodyFailed, 400),
        (.concurrentWait, 500), (.alreadyStarted, 500), (.invalidAddress, 500), (.systemCallFailed, 500),
    ])
    func everyCodeMapsToTheStatusAProxyAnswers(code: HTTPEngineError.Code, status: Int) {
        #expect(HTTPEngineError(code).status.code == status)
    }

    @Test func connectFailureTellsARefusalFromOtherErrors() {
        let refused = HTTPEngineError.connectFailure(to: "127.0.0.1:1", errorNumber: ECONNREFUSED)
        #expect(refused.code == .connectRefused)
        #expect(refused.description == "connection to 127.0.0.1:1 refused")
        let unreachable = HTTPEngineError.connectFailure(to: "10.0.0.1:80", errorNumber: EHOSTUNREACH)
        #expect(unreachable.code == .connectFailed)
        #expect(unreachable.systemError?.errorNumber == EHOSTUNREACH)
        #expect(unreachable.description == "connection to 10.0.0.1:80 failed (errno \(EHOSTUNREACH))")
    }

    @Test func descriptionsNameTheContext() {
        #expect(HTTPEngineError.connectionClosed(by: "127.0.0.1:8081").description
            == "127.0.0.1:8081 closed the connection before the response was complete")
        #expect(HTTPEngineError.responseTimeout(from: "redis:6379", limit: .milliseconds(100)).description
            == "upstream response timed out after 0.1 seconds")
        #expect(HTTPEngineError.overloaded("redis:6379", pendingLimit: 4).description == "redis:6379 already awaits 4 replies")
        #expect(HTTPEngineError.overloaded("127.0.0.1:80").description == "no connection to 127.0.0.1:80 available")
        #expect(HTTPEngineError.malformedResponse(HTTPParseError.invalidStatusLine).description
            == "malformed upstream response (invalidStatusLine)")
        #expect(HTTPEngineError.concurrentWait(operation: "request body read").description
            == "another task is already waiting on this request body read")
        let backingOff = HTTPEngineError.backingOff(after: .unresolvableHost("cache.internal"))
        #expect(backingOff.address == "cache.internal")
        #expect(backingOff.description == "cannot resolve host cache.internal (not retried until the reconnect delay has passed)")
    }

    @Test func errorsAreEqualOnlyWithTheSameCodeAndContext() {
        #expect(HTTPEngineError.connectRefused(to: "a:1") == .connectRefused(to: "a:1"))
        #expect(HTTPEngineError.connectRefused(to: "a:1") != .connectRefused(to: "b:1"))
        #expect(HTTPEngineError.connectRefused(to: "a:1") != .connectFailed(to: "a:1", errorNumber: ECONNREFUSED))
        #expect(HTTPEngineError.malformedResponse(HTTPParseError.invalidChunkSize) != .malformedResponse(HTTPParseError.invalidStatusLine))
        #expect(HTTPEngineError.responseTimeout(from: "a:1", limit: .seconds(1)) != .responseTimeout(from: "a:1", limit: .seconds(2)))
        #expect(HTTPEngineError.responseBodyTooLarge(limit: 10) == .responseBodyTooLarge(limit: 10))
    }

    @Test func parseErrorIsReadableFromAMalformedResponse() {
        let error = HTTPEngineError.malformedResponse(HTTPParseError.conflictingFraming)
        #expect(error.parseError == .conflictingFraming)
        #expect(error.systemError == nil)
    }

    @Test func startingAServerTwiceThrowsAlreadyStarted() async throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 1), handler: okHandler)
        _ = try await server.start()
        await #expect(throws: HTTPEngineError.alreadyStarted) { _ = try await server.start() }
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test(arguments: [("127.0.0.1", 70_000), ("example.invalid", 8080)])
    func unlistenableAddressThrowsInvalidAddress(host: String, port: Int) async {
        let server = HTTPServer(configuration: HTTPServerConfiguration(host: host, port: port, loopCount: 1), handler: okHandler)
        await #expect(throws: HTTPEngineError.invalidAddress("\(host):\(port)")) { _ = try await server.start() }
    }

    @Test func portInUseThrowsSystemCallFailedWithTheErrno() async throws {
        let first = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 1), handler: okHandler)
        let port = try await first.start().port
        let second = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: Int(port), loopCount: 1), handler: okHandler)
        let error = await #expect(throws: HTTPEngineError.self) { _ = try await second.start() }
        #expect(error?.code == .systemCallFailed)
        #expect(error?.systemError?.errorNumber == EADDRINUSE)
        #expect(error?.status == .internalServerError)
        await first.shutdown(gracePeriod: .seconds(1))
    }

    /// Two servers of several loops each, on one port: every listener has `SO_REUSEPORT`, so
    /// without a check the second joined the first and the kernel split the connections between
    /// them (a test's requests reached another test's server that had taken its port).
    @Test func aPortAnotherMultiLoopServerListensOnIsInUseNotShared() async throws {
        let first = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, loopCount: 2), handler: okHandler)
        let port = try await first.start().port
        let second = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: Int(port), loopCount: 2), handler: okHandler)
        let error = await #expect(throws: HTTPEngineError.self) { _ = try await second.start() }
        #expect(error?.systemError?.errorNumber == EADDRINUSE)
        await first.shutdown(gracePeriod: .seconds(1))
        // Once it is gone the port is free again, connections in TIME_WAIT or not.
        let third = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: Int(port), loopCount: 2), handler: okHandler)
        #expect(try await third.start().port == port)
        await third.shutdown(gracePeriod: .seconds(1))
    }
}
