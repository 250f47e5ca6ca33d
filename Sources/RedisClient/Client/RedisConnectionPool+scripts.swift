import HTTPEngine

extension RedisConnectionPool {
    /// Runs `script` with `EVALSHA`; when the server does not have it (`NOSCRIPT`: restarted or
    /// flushed) loads it with `SCRIPT LOAD` and runs it again, once.
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [String], on eventLoop: EventLoop? = nil) async throws -> RESPValue {
        var command = ["EVALSHA", script.sha1, String(keys.count)]
        command += keys
        command += arguments
        do {
            return try await send(command, on: eventLoop)
        } catch let error as RedisError where error.serverErrorPrefix == "NOSCRIPT" {
            // Another caller may be loading it too: loading is idempotent, so both just load.
            _ = try await send(["SCRIPT", "LOAD", script.source], on: eventLoop)
            return try await send(command, on: eventLoop)
        }
    }
}
