import Testing
@testable import RedisClient

/// Replies split across reads anywhere, pipelined replies, and memory released as decoding goes on.
@Suite struct RESPDecoderSplitTests {
    /// One reply of every kind, nested and binary ones included, back to back.
    static let mixedReplies = bytes(
        "+OK\r\n-WRONGTYPE Operation against a key\r\n:-9223372036854775808\r\n$-1\r\n*-1\r\n*0\r\n$0\r\n\r\n"
            + "$6\r\nab\r\ncd\r\n*3\r\n:1\r\n*2\r\n$3\r\nfoo\r\n$-1\r\n+PONG\r\n:12345\r\n"
    )
    static let mixedValues: [RESPValue] = [
        .simpleString("OK"), .error("WRONGTYPE Operation against a key"), .integer(.min), .null, .array(nil), .array([]),
        .bulk(""), .bulk("ab\r\ncd"), .array([.integer(1), .array([.bulk("foo"), .null]), .simpleString("PONG")]), .integer(12345),
    ]

    @Test func decodesMixedRepliesFedWhole() throws {
        #expect(try decodeAll(Self.mixedReplies) == Self.mixedValues)
    }

    @Test func givesTheSameRepliesWhenSplitInTwoAtEveryByteBoundary() throws {
        for split in 0...Self.mixedReplies.count {
            let replies = try decodeAll(Self.mixedReplies, splitAt: [split])
            #expect(replies == Self.mixedValues, "split at \(split)")
        }
    }

    @Test func givesTheSameRepliesWhenSplitInThreeAtEveryPairOfBoundaries() throws {
        var mismatches: [(Int, Int)] = []
        for first in 0...Self.mixedReplies.count {
            for second in first...Self.mixedReplies.count where try decodeAll(Self.mixedReplies, splitAt: [first, second]) != Self.mixedValues {
                mismatches.append((first, second))
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func givesTheSameRepliesFedByteByByte() throws {
        #expect(try decodeByteByByte(Self.mixedReplies) == Self.mixedValues)
    }

    @Test func decodesAThousandPipelinedRepliesInOrder() throws {
        var wire: [UInt8] = []
        var expected: [RESPValue] = []
        for index in 0..<1_000 {
            switch index % 3 {
            case 0:
                wire += bytes(":\(index)\r\n")
                expected.append(.integer(Int64(index)))
            case 1:
                wire += bytes("$\(String(index).utf8.count)\r\n\(index)\r\n")
                expected.append(.bulk(String(index)))
            default:
                wire += bytes("*1\r\n+\(index)\r\n")
                expected.append(.array([.simpleString(String(index))]))
            }
        }
        #expect(try decodeAll(wire) == expected)
        #expect(try decodeAll(wire, splitAt: Array(stride(from: 7, to: wire.count, by: 7))) == expected)
    }

    @Test func releasesDecodedBytesWhileRepliesKeepArriving() throws {
        var decoder = RESPDecoder()
        let chunk = Array(repeating: bytes(":1\r\n$3\r\nabc\r\n"), count: 300).flatMap { $0 }
        var decodedCount = 0
        var largestBuffer = 0
        for round in 0..<2_000 {
            // Cut each chunk at a moving point, so a partial reply is often left behind.
            let cut = round % chunk.count
            decoder.feed(chunk[..<cut])
            while try decoder.next() != nil { decodedCount += 1 }
            decoder.feed(chunk[cut...])
            while try decoder.next() != nil { decodedCount += 1 }
            largestBuffer = max(largestBuffer, decoder.buffer.count)
        }
        #expect(decodedCount == 2_000 * 600)
        #expect(largestBuffer <= 2 * chunk.count + RESPDecoder.compactionThreshold)
        #expect(decoder.isAtReplyBoundary)
    }

    @Test func givesBackTheBufferGrownForALargeBulkString() throws {
        var decoder = RESPDecoder()
        let payload = [UInt8](repeating: 0x5A, count: 1 << 20)
        let wire = bytes("$\(payload.count)\r\n") + payload + bytes("\r\n")
        var replies: [RESPValue] = []
        for start in stride(from: 0, to: wire.count, by: 65_536) {
            decoder.feed(wire[start..<min(start + 65_536, wire.count)])
            while let reply = try decoder.next() { replies.append(reply) }
        }
        #expect(replies == [.bulkString(payload)])
        #expect(decoder.buffer.capacity <= RESPDecoder.retainedCapacity)
    }

    @Test func decodesALargeArrayArrivingInSmallReadsInLinearTime() throws {
        let count = 100_000
        let wire = bytes("*\(count)\r\n") + Array(repeating: bytes(":7\r\n"), count: count).flatMap { $0 }
        // Pieces of 5 bytes never line up with the 4-byte elements; re-parsing from the reply's
        // start on every read would take minutes here, the open-array stack takes milliseconds.
        let replies = try decodeAll(wire, splitAt: Array(stride(from: 5, to: wire.count, by: 5)))
        #expect(replies.first?.elements?.count == count)
    }

    @Test func scansALongLineArrivingByteByByteOnce() throws {
        let line = bytes("+" + String(repeating: "x", count: 60_000) + "\r\n")
        #expect(try decodeByteByByte(line) == [.simpleString(String(repeating: "x", count: 60_000))])
    }
}
