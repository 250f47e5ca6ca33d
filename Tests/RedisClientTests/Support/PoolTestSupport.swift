import Foundation
import RedisTestSupport
import HTTPEngine
import RedisClient


/// Runs `body` with a pool on a one-loop group of its own, then shuts both down.
func withPool<Result>(
    port: UInt16,
    password: String? = nil,
    username: String? = nil,
    database: Int = 0,
    configuration: RedisClientConfiguration = .patient,
    _ body: (RedisConnectionPool, EventLoopGroup) async throws -> Result
) async throws -> Result {
    let group = try EventLoopGroup(loopCount: 1)
    let address = RedisAddress(host: "127.0.0.1", port: port, username: username, password: password, database: database)
    let pool = RedisConnectionPool(address: address, eventLoopGroup: group, configuration: configuration)
    do {
        let result = try await body(pool, group)
        await pool.shutdown()
        await group.shutdown()
        return result
    } catch {
        await pool.shutdown()
        await group.shutdown()
        throw error
    }
}

/// The error `operation` throws, or nil when it returns.
func error(of operation: () async throws -> some Any) async -> (any Error)? {
    do {
        _ = try await operation()
        return nil
    } catch {
        return error
    }
}
