import HTTPEngine

extension RedisConnectionPool {
    /// Runs `script` with `EVALSHA`; when the server does not have it (`NOSCRIPT`: restarted or
    /// flushed) loads it with `SCRIPT LOAD` and runs it again, once.
    public func evaluate(_ script: RedisScript, keys: [String], arguments: [String], on eventLoop: EventLoop? = nil) async throws -> RESPValue {
        // Sized once: growing it argument by argument would cost allocations on every decision.
        var command: [String] = []
        command.reserveCapacity(3 + keys.count + arguments.count)
        command.append("EVALSHA")
        command.append(script.sha1)
        command.append(String(keys.count))
        command.append(contentsOf: keys)
        command.append(contentsOf: arguments)
        do {
            return try await send(command, on: eventLoop)
        } catch let error as RedisError where error.serverErrorPrefix == "NOSCRIPT" {
            // Another caller may be loading it too: loading is idempotent, so both just load.
            _ = try await send(["SCRIPT", "LOAD", script.source], on: eventLoop)
            return try await send(command, on: eventLoop)
        }
    }
}
