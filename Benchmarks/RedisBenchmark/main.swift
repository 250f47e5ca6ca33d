// Drives a token-bucket-shaped Lua script through RedisConnectionPool with many concurrent
// callers on the engine's loops and prints calls per second and latency percentiles.
// `Benchmarks/Redis/compare-with-redis-benchmark.sh` runs it beside `redis-benchmark`.
//
// Usage: RedisBenchmark <port> [callers=64] [seconds=5] [loops=1] [subject=script|store]
//        RedisBenchmark --print-store-script      (stage 5's decision script, for redis-benchmark)
// `script` runs the GCRA script below through `RedisConnectionPool.evaluate`; `store` runs stage
// 5's `RedisStore.decide` (its own script, request validation and decision arithmetic included).
// With COUNT_ALLOCATIONS=1 (and the malloc-counter shim preloaded) it sends itself SIGUSR2 before and
// after a fixed number of calls, so the script can divide the allocations between the two.
import Foundation
import Glibc
import HTTPEngine
import RedisClient
import V5ProductionLimiter

/// GCRA in Lua: one key per client, time from Redis, the shape of stage 5's decision script.
let script = RedisScript("""
local now = redis.call('TIME')
local t = tonumber(now[1]) * 1000000 + tonumber(now[2])
local interval = tonumber(ARGV[1])
local tolerance = interval * (tonumber(ARGV[2]) - 1)
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or t), t)
if tat - t > tolerance then return {0, tat - t - tolerance} end
redis.call('SET', KEYS[1], tat + interval, 'PX', 60000)
return {1, 0}
""")

let arguments = CommandLine.arguments
if arguments.count == 2, arguments[1] == "--print-store-script" {
    print(RedisStore.decisionScriptSource)
    exit(0)
}
guard arguments.count >= 2, let port = UInt16(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: RedisBenchmark <port> [callers=64] [seconds=5] [loops=1]\n".utf8))
    exit(2)
}
let callers = arguments.count > 2 ? Int(arguments[2]) ?? 64 : 64
let seconds = arguments.count > 3 ? Double(arguments[3]) ?? 5 : 5
let loopCount = arguments.count > 4 ? Int(arguments[4]) ?? 1 : 1
let usesStore = arguments.count > 5 && arguments[5] == "store"
let countsAllocations = ProcessInfo.processInfo.environment["COUNT_ALLOCATIONS"] == "1"

let group = try EventLoopGroup(loopCount: loopCount)
let pool = RedisConnectionPool(address: RedisAddress(host: "127.0.0.1", port: port), eventLoopGroup: group)
let keySpace = 100_000
// Keys made once: the benchmark measures the client, not string formatting.
let keys = (0..<keySpace).map { ["bucket:\($0)"] }
let scriptArguments = ["1000", "10"]
let store = RedisStore(pool: pool)
// 1,000 per second per key: the benchmark measures the store, so decisions are mostly admissions.
let storeRequests = try (0..<keySpace).map { try RateLimitRequest(key: "bucket:\($0)", limits: [RateLimit(name: "1000/s", 1000, per: .seconds(1))]) }

/// One decision, through the store or straight through the client.
func decide(_ keyIndex: Int, on loop: EventLoop) async throws {
    if usesStore {
        _ = try await store.decide(storeRequests[keyIndex])
    } else {
        _ = try await pool.evaluate(script, keys: keys[keyIndex], arguments: scriptArguments, on: loop)
    }
}

/// One caller's loop: calls back to back until `deadline`, recording each latency in nanoseconds.
func runCaller(_ index: Int, until deadline: ContinuousClock.Instant, on loop: EventLoop) async throws -> [Int64] {
    var latencies: [Int64] = []
    latencies.reserveCapacity(200_000)
    var keyIndex = index * 7919 % keySpace
    while ContinuousClock.now < deadline {
        let started = ContinuousClock.now
        try await decide(keyIndex, on: loop)
        let elapsed = ContinuousClock.now - started
        latencies.append(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        keyIndex = (keyIndex + 1) % keySpace
    }
    return latencies
}

/// Runs every caller for `duration` and returns all latencies.
func measure(for duration: Duration) async throws -> [Int64] {
    let deadline = ContinuousClock.now + duration
    return try await withThrowingTaskGroup(of: [Int64].self) { tasks in
        for index in 0..<callers {
            let loop = group.loops[index % loopCount]
            tasks.addTask(executorPreference: loop) { try await runCaller(index, until: deadline, on: loop) }
        }
        return try await tasks.reduce(into: []) { $0 += $1 }
    }
}

/// Makes `count` calls spread over the callers (for counting allocations per call).
func makeCalls(_ count: Int) async throws {
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        for index in 0..<callers {
            let loop = group.loops[index % loopCount]
            tasks.addTask(executorPreference: loop) {
                for call in 0..<(count / callers) {
                    try await decide((index * 7919 + call) % keySpace, on: loop)
                }
            }
        }
        try await tasks.waitForAll()
    }
}

// Loads the script and warms connections and caches.
_ = try await measure(for: .milliseconds(500))
if countsAllocations {
    let calls = 64_000
    kill(getpid(), SIGUSR2)
    try await makeCalls(calls)
    kill(getpid(), SIGUSR2)
    print("calls=\(calls)")
} else {
    let started = ContinuousClock.now
    var latencies = try await measure(for: .milliseconds(Int(seconds * 1000)))
    let elapsed = ContinuousClock.now - started
    latencies.sort()
    let rate = Double(latencies.count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    func percentile(_ fraction: Double) -> Double {
        Double(latencies[min(Int(Double(latencies.count) * fraction), latencies.count - 1)]) / 1e6
    }
    print(String(format: "calls_per_second=%.0f p50_ms=%.3f p99_ms=%.3f calls=%d", rate, percentile(0.5), percentile(0.99), latencies.count))
}
await pool.shutdown()
await group.shutdown()
