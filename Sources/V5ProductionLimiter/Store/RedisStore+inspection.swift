import RedisClient

/// Reading a key's limits without deciding: `RateLimitStore.inspect` for Redis.
extension RedisStore {
    public func inspect(_ request: RateLimitRequest) async throws(RateLimitStoreError) -> StoreInspection {
        let reply = try await run(Self.inspectionScript, for: request)
        return StoreInspection(try Self.answers(from: reply, for: request, script: "inspection").0, for: request)
    }

    /// Reads every limit's state of a key in one step, the way `decisionScript` reads them, and
    /// writes nothing.
    ///
    /// `flags=no-writes` (Redis 7's script flags) makes the server refuse any write the script
    /// might attempt, so "inspecting never charges" is the server's guarantee, not only this
    /// code's; it also lets the script run on a read-only replica. The rejected alternative, a
    /// `MGET` from the client with `TIME` in a separate command, reads state and time at two
    /// instants, so a decision could land between them. One script also reuses the decision's
    /// arguments and reply layout: the same `EVALSHA`/`NOSCRIPT` path, and the same parser.
    ///
    /// The numbers are then computed in nanoseconds, like the decision's reports: for a rate whose
    /// interval is not a whole number of microseconds (which Redis rounds up) an inspection may
    /// say "admitted" up to a microsecond per unit before the script would admit.
    ///
    /// KEYS and ARGV: as `decisionScript` (only `ARGV[2]`, the frozen time, is read). Reply: 0,
    /// now (µs), then each limit's state (a missing key reads as fresh, and is not created).
    static let inspectionScript = RedisScript("#!lua flags=no-writes\n" + prelude + """
    local reply = {0, now}
    for i = 1, #KEYS do
      local a, b, c = stateOf(KEYS[i])
      if not a then return redis.error_reply('PROTOCOL state of ' .. KEYS[i] .. ' is not three integers') end
      reply[#reply + 1] = a
      reply[#reply + 1] = b
      reply[#reply + 1] = c
    end
    return reply
    """)
}
