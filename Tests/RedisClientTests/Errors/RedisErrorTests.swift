import Testing
import RedisClient

/// The error vocabulary: fail-open/closed classification, error prefixes, and no password in any text.
@Suite struct RedisErrorTests {
    static let address = RedisAddress(host: "cache.internal", username: "limiter", password: "hunter2")

    static let allCases: [RedisError] = [
        .unreachable(address, reason: "connection refused"),
        .timedOut(address, limit: .milliseconds(250)),
        .connectionClosed(address),
        .server(message: "WRONGTYPE Operation against a key holding the wrong kind of value"),
        .protocol(.invalidTypeByte(0x3F)),
        .invalidAddress(.invalidPort),
    ]

    @Test func classifiesOutagesApartFromAnswers() {
        #expect(Self.allCases.map(\.isAvailabilityFailure) == [true, true, true, false, true, false])
    }

    @Test func namesTheServerErrorPrefix() {
        #expect(RedisError.server(message: "WRONGTYPE Operation against a key").serverErrorPrefix == "WRONGTYPE")
        #expect(RedisError.server(message: "NOSCRIPT").serverErrorPrefix == "NOSCRIPT")
        #expect(RedisError.connectionClosed(Self.address).serverErrorPrefix == nil)
    }

    @Test func neverShowsThePasswordInAnyDescription() {
        for error in Self.allCases {
            var dumped = ""
            dump(error, to: &dumped)
            for rendering in ["\(error)", String(reflecting: error), dumped] {
                #expect(!rendering.contains("hunter2"), "\(rendering)")
            }
        }
        #expect(RedisError.connectionClosed(Self.address).description.contains("redis://limiter:***@cache.internal:6379/0"))
    }

    @Test func redactsThePasswordQuotedBackInAServerError() {
        let error = RedisError.server(message: "ERR unknown command 'AUHT', with args beginning with: 'limiter' 'hunter2'", redacting: "hunter2")
        #expect(error == .server(message: "ERR unknown command 'AUHT', with args beginning with: 'limiter' '***'"))
        #expect(RedisError.server(message: "ERR x", redacting: nil) == .server(message: "ERR x"))
        #expect(RedisError.server(message: "ERR x", redacting: "") == .server(message: "ERR x"))
    }
}
