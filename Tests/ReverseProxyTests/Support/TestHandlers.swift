import HTTPEngine

/// Answers with what it received: method and target on the first line, then one line per field.
let fieldEchoHandler = HTTPClosureHandler { request in
    var text = "\(request.method.rawValue) \(request.target)\n"
    for (name, value) in request.headers { text += "\(name.lowercased()): \(value)\n" }
    return HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: .init(string: text))
}

/// Answers every request with `name`, so a test sees which backend served it.
func namedHandler(_ name: String) -> HTTPClosureHandler {
    HTTPClosureHandler { request in
        _ = try await request.body.collect(upTo: 1 << 20)
        return HTTPResponse(status: .ok, body: .init(string: name))
    }
}

/// Chunk `number` of the test bodies: 64 KiB of a fixed pattern starting with the chunk's
/// number, so a lost, repeated or reordered chunk changes the checksum.
func patternChunk(_ number: Int) -> [UInt8] {
    var chunk = patternBlock
    withUnsafeBytes(of: UInt64(number).littleEndian) { chunk.replaceSubrange(0..<8, with: $0) }
    return chunk
}

let patternChunkSize = 65536
private let patternBlock = (0..<patternChunkSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 9)) }

/// A running position-sensitive checksum (FNV-1a over the bytes).
struct BodyChecksum: Equatable {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    private(set) var count = 0

    mutating func add(_ bytes: [UInt8]) {
        var value = value
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer { value = (value ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        self.value = value
        count += bytes.count
    }

    /// The checksum of `chunks` pattern chunks.
    static func ofPattern(chunks: Int) -> BodyChecksum {
        var checksum = BodyChecksum()
        for number in 0..<chunks { checksum.add(patternChunk(number)) }
        return checksum
    }
}

/// Runs `operation`, failing with `TestTimeout` if it has not finished within `limit`
/// (a bound for waits that would otherwise hang the suite when the code under test is broken).
func within<Value: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let value = try await group.next() ?? nil else { throw TestTimeout() }
        return value
    }
}

struct TestTimeout: Error {}

/// Polls `condition` until it holds or `limit` passes; whether it held. For conditions other
/// threads make true (a handler reached a point), where no event can be awaited directly.
func eventually(within limit: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return true
}
