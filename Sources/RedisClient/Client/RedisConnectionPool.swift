import Glibc
import HTTPEngine

/// A Redis client: the RESP codec and the login commands on top of the HTTP engine's pipelined
/// client, whose pool keeps `connectionsPerLoop` connections at most per event loop (one by
/// default), each shared by the callers on that loop: commands issued concurrently go out
/// together, once per loop turn, and replies are matched to them in order, with no lock on the way.
///
/// Runs on the HTTP engine's loops: a request handler that asks Redis for a decision stays on its
/// own thread. Connects lazily, logs in (`AUTH`, `SELECT`, `CLIENT SETNAME`) before any command,
/// and reconnects with back-off after failures. Errors are `RedisError`s a caller can map to a
/// fail-open or fail-closed policy (`isAvailabilityFailure`), or `CancellationError`.
public final class RedisConnectionPool: Sendable {
    public let address: RedisAddress
    public let configuration: RedisClientConfiguration
    let client: PipelinedClient<RESPCodec>

    /// A client of `address` on the loops of `eventLoopGroup` (share an `HTTPServer`'s group so
    /// its handlers ask Redis without a thread hop).
    public init(address: RedisAddress, eventLoopGroup: EventLoopGroup, configuration: RedisClientConfiguration = RedisClientConfiguration()) {
        self.address = address
        self.configuration = configuration
        let limits = configuration.decoderLimits
        let password = address.password
        client = PipelinedClient(
            host: address.host,
            port: address.port,
            eventLoopGroup: eventLoopGroup,
            configuration: PipelineConfiguration(
                connectionsPerLoop: configuration.connectionsPerLoop,
                connectTimeout: configuration.connectTimeout,
                replyTimeout: configuration.commandTimeout,
                maxPendingReplies: configuration.maxPendingCommands,
                initialReconnectDelay: configuration.initialReconnectDelay,
                maxReconnectDelay: configuration.maxReconnectDelay
            ),
            setup: PipelineSetup(
                makeCodec: { RESPCodec(limits: limits) },
                requests: Self.loginCommands(address: address, clientName: configuration.clientName),
                checkReply: { reply in
                    guard case .error(let message) = reply else { return nil }
                    return RedisError.server(message: message, redacting: password)
                }
            )
        )
    }

    /// The commands sent first on every connection.
    static func loginCommands(address: RedisAddress, clientName: String?) -> [RedisCommand] {
        var commands: [RedisCommand] = []
        if let password = address.password {
            commands.append(RedisCommand(address.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]))
        }
        if address.database != 0 { commands.append(RedisCommand(["SELECT", String(address.database)])) }
        if let clientName { commands.append(RedisCommand(["CLIENT", "SETNAME", clientName])) }
        return commands
    }

    /// Sends `command` and returns the reply; an error reply throws `RedisError.server`.
    public func send(_ command: RedisCommand, on eventLoop: EventLoop? = nil) async throws -> RESPValue {
        let reply: RESPValue
        do {
            reply = try await client.send(command, on: eventLoop)
        } catch let error as HTTPEngineError {
            throw redisError(for: error)
        }
        if case .error(let message) = reply {
            throw RedisError.server(message: message, redacting: address.password)
        }
        return reply
    }

    /// Sends a command given as text arguments, the name first: `send(["INCR", "counter"])`.
    public func send(_ arguments: [String], on eventLoop: EventLoop? = nil) async throws -> RESPValue {
        try await send(RedisCommand(arguments), on: eventLoop)
    }

    /// Stops taking commands (they fail with `.shutDown`), lets those already sent get their
    /// replies or time out, and closes every connection.
    ///
    /// With `gracePeriod`, commands still waiting for a reply when it ends fail and their
    /// connections close: a Redis that stopped answering then holds a service's stop for that
    /// long, not for the command time-out (seconds, and each command's own). Cancelling the
    /// caller ends the wait at once.
    public func shutdown(gracePeriod: Duration? = nil) async {
        let client = client
        guard let gracePeriod else { return await client.shutdown() }
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await client.shutdown() }
            tasks.addTask { try? await Task.sleep(for: gracePeriod) }
            // Whichever ends first ends the other: a cancelled drain closes what is still waiting.
            await tasks.next()
            tasks.cancelAll()
        }
    }

    /// Connections opened on `loop` so far, reconnects included.
    public func connectionsOpened(on loop: EventLoop) async -> Int {
        await client.statistics(on: loop).connectionsOpened
    }

    /// The Redis client's own words for a failure of the connection core under it.
    func redisError(for error: HTTPEngineError) -> RedisError {
        switch error.code {
        case .unresolvableHost:
            .unreachable(address, reason: "the name \(address.host) has no address")
        case .connectRefused, .connectFailed:
            .unreachable(address, reason: String(cString: strerror(error.systemError?.errorNumber ?? EIO)).lowercased())
        case .connectTimeout:
            .unreachable(address, reason: "no connection within \(error.timeLimit ?? configuration.connectTimeout)")
        case .backingOff:
            (error.underlying as? HTTPEngineError).map { redisError(for: $0).waitingForReconnect() } ?? .connectionClosed(address)
        case .responseTimeout:
            .timedOut(address, limit: error.timeLimit ?? configuration.commandTimeout)
        case .malformedResponse:
            .protocol(error.underlying as? RESPProtocolError ?? .unexpectedReply)
        case .setupRejected:
            error.underlying as? RedisError ?? .server(message: error.underlying.map { "\($0)" } ?? error.description)
        case .overloaded:
            .overloaded(address, limit: error.countLimit ?? configuration.maxPendingCommands)
        case .shutDown:
            .shutDown
        default:
            // `.connectionClosed`, and any code the connection core may add: the reply is lost.
            .connectionClosed(address)
        }
    }
}

extension RedisError {
    /// The same failure, said to be repeated without a new attempt.
    func waitingForReconnect() -> RedisError {
        guard case .unreachable(let address, let reason) = self else { return self }
        return .unreachable(address, reason: reason + " (not retried until the reconnect delay has passed)")
    }
}
