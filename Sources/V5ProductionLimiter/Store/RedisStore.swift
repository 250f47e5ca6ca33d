import RedisClient
import Synchronization

/// Limits counted in Redis, shared by every proxy that uses the same server: one atomic Lua
/// script per decision (`decisionScript`), sent with `EVALSHA` over the Redis client's pipelined
/// connection, so concurrent decisions from one event loop share one write and one read.
///
/// Keys are `<prefix>{<client key>}:<limit name>`: the braces are a Redis Cluster hash tag, so
/// every limit of one client key lands in one slot and one script can touch them all. Each key
/// expires (`PX`) once forgetting it would change no decision, so idle clients cost nothing.
///
/// Redis keeps time in microseconds, this stage in nanoseconds: an emission interval or window
/// that is not a whole number of microseconds is rounded up for Redis (never more generous than
/// memory), and with whole microseconds both stores give the same decisions to the nanosecond
/// (`StoreBehaviourTests` runs the same traces against both).
public final class RedisStore: RateLimitStore {
    /// The client the store asks.
    public let pool: RedisConnectionPool
    /// Prepended to every Redis key, so several applications can share one server.
    public let keyPrefix: String
    /// For tests only: the instant (µs) the script uses instead of the server's `TIME`.
    private let frozenMicroseconds: (@Sendable () -> Int64)?
    /// Compares the server's time with this host's on every answer.
    let clockWatch: ClockDriftWatch

    /// A store in the Redis that `pool` talks to, its keys starting with `keyPrefix`; a drift of
    /// the server's clock against this host's beyond `clockDriftThreshold` is reported to `metrics`.
    public init(pool: RedisConnectionPool, keyPrefix: String = "ratelimit:", clockDriftThreshold: Duration = .seconds(1), metrics: any RateLimitMetrics = NoOpRateLimitMetrics()) {
        self.pool = pool
        self.keyPrefix = keyPrefix
        frozenMicroseconds = nil
        clockWatch = ClockDriftWatch(threshold: clockDriftThreshold, metrics: metrics)
    }

    /// A store whose script reads `now()` (µs) instead of `TIME`: lets tests move Redis's time
    /// by hand, as `ManualClock` does for memory.
    init(pool: RedisConnectionPool, keyPrefix: String, frozenMicroseconds now: @escaping @Sendable () -> Int64, clockWatch: ClockDriftWatch = ClockDriftWatch(threshold: .seconds(1), metrics: NoOpRateLimitMetrics())) {
        self.pool = pool
        self.keyPrefix = keyPrefix
        frozenMicroseconds = now
        self.clockWatch = clockWatch
    }

    /// Throws unless the script's 53-bit arithmetic holds `limit` exactly: capacity × interval
    /// and capacity × window in microseconds below 2^53 (a day-long window allows about 10^5
    /// units). Call it when loading configuration, so a limit Redis cannot count fails there.
    public static func validate(_ limit: RateLimit) throws(RateLimitError) {
        let exactLimit = Int64(1) << 53
        let (intervalProduct, intervalOverflow) = Int64(limit.capacity).multipliedReportingOverflow(by: microseconds(limit.bucket.emissionIntervalNanoseconds))
        let (windowProduct, windowOverflow) = Int64(limit.capacity).multipliedReportingOverflow(by: microseconds(limit.windowNanoseconds))
        guard !intervalOverflow, !windowOverflow, intervalProduct < exactLimit, windowProduct < exactLimit else {
            throw .invalidLimitSet("\(limit) is too large for the Redis store: capacity × window must stay below 2^53 µs")
        }
    }

    public func decide(_ request: RateLimitRequest) async throws(RateLimitStoreError) -> StoreDecision {
        let reply = try await run(Self.decisionScript, for: request)
        return try Self.decision(from: reply, for: request)
    }

    /// Runs `script` over `request`'s keys with the arguments both scripts take; the reply, or
    /// the failure the policy acts on.
    func run(_ script: RedisScript, for request: RateLimitRequest) async throws(RateLimitStoreError) -> RESPValue {
        var keys: [String] = []
        keys.reserveCapacity(request.limits.count)
        var arguments: [String] = []
        arguments.reserveCapacity(2 + 4 * request.limits.count)
        arguments.append(String(request.cost))
        arguments.append(frozenMicroseconds.map { String($0()) } ?? "")
        for limit in request.limits {
            do throws(RateLimitError) {
                try Self.validate(limit)
            } catch {
                throw .serverError("\(error)")
            }
            keys.append("\(keyPrefix){\(request.key)}:\(limit.name)")
            arguments.append(limit.algorithm == .tokenBucket ? "t" : "s")
            arguments.append(String(Self.microseconds(limit.bucket.emissionIntervalNanoseconds)))
            arguments.append(String(limit.capacity))
            arguments.append(String(Self.microseconds(limit.windowNanoseconds)))
        }
        let reply: RESPValue
        do {
            reply = try await pool.evaluate(script, keys: keys, arguments: arguments)
        } catch let error as RedisError {
            throw Self.storeError(for: error)
        } catch {
            // Cancelled: the failure policy gave up waiting (its time-out) and drops this answer.
            throw .unreachable("the \(script == Self.decisionScript ? "decision" : "inspection") was cancelled")
        }
        // Checked before indexing: the reply is parsed (and a malformed one refused) only after this.
        if let elements = reply.elements, elements.count > 1, case .integer(let serverMicroseconds) = elements[1] {
            clockWatch.observe(serverMicroseconds: serverMicroseconds)
        }
        return reply
    }

    /// The reported decision, computed from the states the script read with the in-memory
    /// store's own code, so both stores report the same numbers.
    static func decision(from reply: RESPValue, for request: RateLimitRequest) throws(RateLimitStoreError) -> StoreDecision {
        let (outcomes, isAdmitted) = try answers(from: reply, for: request, script: "decision")
        let decision = StoreDecision.combining(outcomes)
        guard decision.isAllowed != isAdmitted else { return decision }
        // Only when a rate's interval is not whole microseconds: Redis rounded it up and refused
        // what nanoseconds would admit. The script decided (and charged); report its answer.
        return StoreDecision(
            isAllowed: isAdmitted, limit: decision.limit, remaining: isAdmitted ? decision.remaining : 0,
            retryAfter: isAdmitted ? .zero : max(decision.retryAfter, .microseconds(1)),
            resetAfter: decision.resetAfter, nextUnitAfter: decision.nextUnitAfter
        )
    }

    /// Each limit's answer, from a reply of a flag (the script's admission), the server's now
    /// (µs) and three integers of state per limit; and the flag.
    static func answers(from reply: RESPValue, for request: RateLimitRequest, script: String) throws(RateLimitStoreError) -> ([StoreDecision], flag: Bool) {
        guard let elements = reply.elements, elements.count == 2 + 3 * request.limits.count else {
            throw .protocolError("the \(script) script returned \(reply)")
        }
        var numbers: [Int64] = []
        numbers.reserveCapacity(elements.count)
        for element in elements {
            guard case .integer(let value) = element else { throw .protocolError("the \(script) script returned \(reply)") }
            numbers.append(value)
        }
        let now = numbers[1] &* 1000
        var outcomes: [StoreDecision] = []
        outcomes.reserveCapacity(request.limits.count)
        for (index, limit) in request.limits.enumerated() {
            let base = 2 + 3 * index
            // Times come back in µs; counts are counts.
            let state = LimitState(first: numbers[base] &* 1000, second: numbers[base + 1], third: numbers[base + 2])
            outcomes.append(state.decide(cost: request.cost, limit: limit, at: now).0)
        }
        return (outcomes, numbers[0] == 1)
    }

    /// Nanoseconds as whole microseconds, rounded up.
    static func microseconds(_ nanoseconds: Int64) -> Int64 {
        nanoseconds / 1000 + (nanoseconds % 1000 > 0 ? 1 : 0)
    }

    /// The failure the policy acts on for a Redis error.
    static func storeError(for error: RedisError) -> RateLimitStoreError {
        switch error {
        case .timedOut(_, let limit): .timedOut(limit)
        case .unreachable, .connectionClosed, .overloaded, .shutDown: .unreachable(error.description)
        case .server(let message): .serverError(message)
        case .protocol, .invalidAddress: .protocolError(error.description)
        }
    }
}
