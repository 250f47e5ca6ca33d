import RedisTestSupport
import Testing
import RedisClient

/// The codec against a real `redis-server`, one fresh server per test.
///
/// Skipped, with the reason shown in the test output, when `redis-server` is not installed and
/// `CI` is not set; with `CI` set the suite runs regardless, and a missing binary fails every test
/// (`RedisServerProcessError.notInstalled`), so CI cannot pass without having talked to Redis.
@Suite(
    .serialized,
    .enabled(if: RedisServerAvailability.shouldRun, "redis-server is not installed (apt-get install redis-server); set CI=1 to make that a failure")
)
final class RealRedisServerTests {
    let server: RedisServerProcess
    let connection: BlockingRedisConnection

    init() throws {
        server = try RedisServerProcess()
        connection = try BlockingRedisConnection(port: server.port)
    }

    deinit {
        server.stop()
    }

    @Test func pingGetsPong() throws {
        #expect(try connection.command(["PING"]) == .simpleString("PONG"))
    }

    @Test func storesAndReturnsBinaryDataWithCRLFInside() throws {
        let value: [UInt8] = bytes("\r\n$5\r\n*1\r\n") + (0...255).map { UInt8($0) } + bytes("\r\n")
        #expect(try connection.command(bytes: [bytes("SET"), bytes("binary"), value]) == .simpleString("OK"))
        #expect(try connection.command(bytes: [bytes("GET"), bytes("binary")]) == .bulkString(value))
        #expect(try connection.command(["STRLEN", "binary"]) == .integer(Int64(value.count)))
    }

    @Test func incrementsACounter() throws {
        #expect(try connection.command(["INCR", "counter"]) == .integer(1))
        #expect(try connection.command(["INCRBY", "counter", "-5"]) == .integer(-4))
        #expect(try connection.command(["INCRBY", "counter", "9223372036854775807"]) == .integer(9_223_372_036_854_775_803))
    }

    @Test func evalReturnsNestedArraysOfEveryKind() throws {
        let script = "return {1, 'two', {3, 'four'}, redis.status_reply('FINE'), false}"
        let reply = try connection.command(["EVAL", script, "0"])
        #expect(reply == .array([.integer(1), .bulk("two"), .array([.integer(3), .bulk("four")]), .simpleString("FINE"), .null]))
    }

    @Test func wrongTypeComesBackAsAnErrorReply() throws {
        #expect(try connection.command(["SET", "text", "x"]) == .simpleString("OK"))
        let reply = try connection.command(["LPUSH", "text", "y"])
        guard case .error(let message) = reply else {
            Issue.record("expected an error reply, got \(reply)")
            return
        }
        #expect(RedisError.server(message: message).serverErrorPrefix == "WRONGTYPE")
    }

    @Test func missingKeysAndTimedOutPopsComeBackAsTheTwoNulls() throws {
        #expect(try connection.command(["GET", "missing"]) == .null)
        // The server's own 10 ms timeout produces RESP2's null array; the test does not sleep.
        #expect(try connection.command(["BLPOP", "missing-list", "0.01"]) == .array(nil))
    }

    @Test func thousandPipelinedCommandsInOneWriteReplyInOrder() throws {
        var batch: [UInt8] = []
        var expected: [RESPValue] = []
        for index in 0..<1_000 {
            switch index % 4 {
            case 0:
                RESPEncoder.encodeCommand(["SET", "key:\(index)", "value\r\n\(index)"], into: &batch)
                expected.append(.simpleString("OK"))
            case 1:
                RESPEncoder.encodeCommand(["GET", "key:\(index - 1)"], into: &batch)
                expected.append(.bulk("value\r\n\(index - 1)"))
            case 2:
                RESPEncoder.encodeCommand(["INCR", "pipeline-counter"], into: &batch)
                expected.append(.integer(Int64(index / 4 + 1)))
            default:
                RESPEncoder.encodeCommand(["GET", "never-set:\(index)"], into: &batch)
                expected.append(.null)
            }
        }
        try connection.send(batch)
        var replies: [RESPValue] = []
        for _ in 0..<1_000 { replies.append(try connection.readReply()) }
        let firstMismatch = replies.indices.first { replies[$0] != expected[$0] }
        #expect(firstMismatch == nil, "reply \(firstMismatch ?? -1) out of order or wrong")
    }
}
