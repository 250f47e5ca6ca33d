import RedisClient

extension RedisStore {
    /// One decision over every limit of a key, run atomically on the Redis server.
    ///
    /// Redis runs a script alone (no other command interleaves), so reading every limit,
    /// deciding, and writing all of them or none is atomic without locks or `WATCH` retries:
    /// the server-side equivalent of `InMemoryStore`'s set lock. Time is the server's `TIME`,
    /// so proxies on hosts whose clocks disagree cannot hand out extra units; tests pass a
    /// frozen time instead (`ARGV[2]`), which a production store never does.
    ///
    /// Units are microseconds, `TIME`'s resolution: Lua 5.1 numbers are doubles, exact up to
    /// 2^53, and microseconds since 1970 (about 1.8 × 10^15) fit where nanoseconds would not.
    /// The arithmetic mirrors `TokenBucket.decide` and `SlidingWindowCounter` step for step, and
    /// every division is corrected to the exact integer quotient.
    ///
    /// KEYS: one per limit. ARGV: cost, frozen now (µs) or empty, then per limit: algorithm
    /// (`t` token bucket, `s` sliding window), emission interval (µs), capacity, window (µs).
    /// Reply: admitted (1/0), now (µs), then each limit's state *before* the decision (three
    /// integers; a missing key reads as fresh), from which the caller computes the numbers it
    /// reports with the same code as the in-memory store.
    static let decisionScript = RedisScript(decisionScriptSource)

    /// The Lua source of `decisionScript`, for loading it elsewhere (the benchmark's `redis-benchmark` run).
    public static let decisionScriptSource = prelude + """
    local cost = tonumber(ARGV[1])
    local function quotient(a, b)
      local q = math.floor(a / b)
      if q * b > a then q = q - 1 elseif (q + 1) * b <= a then q = q + 1 end
      return q
    end
    local reply = {0, now}
    local charged = {}
    local rebased = {}
    local rebaseThreshold = \(LimitState.rebaseThresholdNanoseconds / 1000)
    local admitted = true
    -- Expires when forgetting the key changes no decision (state[4] µs from now), plus the slack.
    local function put(key, state)
      redis.call('SET', key, string.format('%.0f %.0f %.0f', state[1], state[2], state[3]),
        'PX', math.floor(state[4] / 1000) + slack)
    end
    for i = 1, #KEYS do
      local base = 2 + (i - 1) * 4
      local algorithm = ARGV[base + 1]
      local interval = tonumber(ARGV[base + 2])
      local capacity = tonumber(ARGV[base + 3])
      local window = tonumber(ARGV[base + 4])
      local a, b, c = stateOf(KEYS[i])
      if not a then return redis.error_reply('PROTOCOL state of ' .. KEYS[i] .. ' is not three integers') end
      reply[#reply + 1] = a
      reply[#reply + 1] = b
      reply[#reply + 1] = c
      -- A clock that stepped back over the threshold (TIME is a wall clock) left a TAT past a
      -- full bucket's span, or a window's start, ahead of now: taken back to now, and kept even
      -- on a refusal, as LimitState.rebased does (the caller decides on the state replied).
      if algorithm == 't' then
        local full = now + capacity * interval
        if a > full + rebaseThreshold then
          a = full
          rebased[i] = {a, 0, 0, a - now}
        end
        local needed = cost * interval
        if math.max(a - now, 0) + needed > capacity * interval then
          admitted = false
        else
          local arrival = math.max(a, now) + needed
          charged[i] = {arrival, 0, 0, arrival - now}
        end
      else
        if a > now + rebaseThreshold then
          a = now
          rebased[i] = {a, b, c, 2 * window}
        end
        local since = math.max(now, a) - a
        local passed = quotient(since, window)
        local current, previous = b, c
        if passed == 1 then current, previous = 0, b elseif passed > 1 then current, previous = 0, 0 end
        local start = a + passed * window
        local left = window - (since - passed * window)
        local weighted = 0
        if previous > 0 and left > 0 then
          local product = previous * left
          weighted = quotient(product, window)
          if weighted * window < product then weighted = weighted + 1 end
        end
        if weighted + current + cost > capacity then
          admitted = false
        else
          charged[i] = {start, current + cost, previous, start + 2 * window - now}
        end
      end
    end
    if admitted then
      for i = 1, #KEYS do put(KEYS[i], charged[i]) end
      reply[1] = 1
    else
      for i, state in pairs(rebased) do put(KEYS[i], state) end
    end
    return reply
    """

    /// What both scripts start with: `now` (µs), the server's `TIME` or the frozen time of
    /// `ARGV[2]`; `slack` (ms); and `stateOf(key)`, a key's three numbers (fresh when missing,
    /// nil when not three integers).
    static let prelude = """
    local now
    -- Expiry runs on Redis's own clock; a key outlives its forgettable instant by this slack (ms).
    local slack = 1000
    if ARGV[2] ~= '' then
      now = tonumber(ARGV[2])
      -- A frozen time is not the clock keys expire on: a slow test must not lose state to it.
      slack = 3600000
    else
      local time = redis.call('TIME')
      now = tonumber(time[1]) * 1000000 + tonumber(time[2])
    end
    local function stateOf(key)
      local stored = redis.call('GET', key)
      if not stored then return now, 0, 0 end
      local x, y, z = string.match(stored, '^(-?%d+) (-?%d+) (-?%d+)$')
      if not x then return nil end
      return tonumber(x), tonumber(y), tonumber(z)
    end

    """
}
