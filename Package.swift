// swift-tools-version:6.0
import PackageDescription

// The shared engine and proxy, built for release, skip the run-time exclusivity checks on class
// properties: per proxied request they cost 14 % of the proxy's user CPU (a thread-local access
// set per check). Debug builds, and so every test run and the ThreadSanitizer run, keep them.
let releaseWithoutExclusivityChecks: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "RateLimiting",
    targets: [
        // Stage 1: a single token bucket with lazy refill; time is passed in.
        .target(name: "V1TokenBucket"),
        .executableTarget(name: "V1Demo", dependencies: ["V1TokenBucket"]),
        .testTarget(name: "V1TokenBucketTests", dependencies: ["V1TokenBucket"]),

        // Stage 2: many keys, one bucket each, safe to share between threads.
        .target(name: "V2KeyedLimiter", dependencies: ["ThreadSanitizerAnnotations"]),
        .executableTarget(name: "V2Demo", dependencies: ["V2KeyedLimiter"]),
        .testTarget(name: "V2KeyedLimiterTests", dependencies: ["V2KeyedLimiter"]),

        // Stage 3: the limiter as HTTP middleware: 429, Retry-After, rate-limit headers, key extraction.
        .target(name: "V3RateLimitMiddleware", dependencies: ["HTTPEngine", "IPAddressing", "ThreadSanitizerAnnotations"]),
        .executableTarget(name: "V3DemoServer", dependencies: ["V3RateLimitMiddleware", "HTTPEngine", "IPAddressing"]),
        .testTarget(name: "V3RateLimitMiddlewareTests", dependencies: ["V3RateLimitMiddleware", "HTTPEngine", "IPAddressing"]),

        // Stage 4: months under hostile traffic: a clock abstraction, lock-free GCRA buckets, a fixed-size evicting table.
        .target(name: "V4LongRunningLimiter", dependencies: ["HTTPEngine", "IPAddressing", "ThreadSanitizerAnnotations"]),
        .executableTarget(name: "V4DemoServer", dependencies: ["V4LongRunningLimiter", "HTTPEngine", "IPAddressing"]),
        .testTarget(name: "V4LongRunningLimiterTests", dependencies: ["V4LongRunningLimiter", "HTTPEngine", "IPAddressing"]),

        // Stage 5: production backends: an async store protocol, algorithms per limit, a failure policy, metrics.
        .target(name: "V5ProductionLimiter", dependencies: ["HTTPEngine", "ReverseProxy", "IPAddressing", "RedisClient", "ThreadSanitizerAnnotations"]),
        // Stage 5's tests, including the behavioural suite every store must pass.
        // Stage 5's main job: the rate-limiting reverse proxy (`swift run V5RateLimitProxy`).
        .executableTarget(name: "V5RateLimitProxy", dependencies: ["V5ProductionLimiter", "ReverseProxy", "HTTPEngine", "RedisClient", "IPAddressing"]),
        .testTarget(name: "V5ProductionLimiterTests", dependencies: ["V5ProductionLimiter", "V5RateLimitProxy", "HTTPEngine", "IPAddressing", "RedisClient", "RedisTestSupport", "TestSupport"]),

        // Tells ThreadSanitizer about lock hand-offs it cannot see (Mutex's kernel futex path).
        .target(name: "ThreadSanitizerAnnotations"),

        // Strict IPv4/IPv6 address parsing and CIDR matching; used by stage 3's trusted proxies.
        .target(name: "IPAddressing"),
        .testTarget(name: "IPAddressingTests", dependencies: ["IPAddressing"]),

        // The project's own Redis client for stage 5's store: RESP2 on the engine's pipelined connections.
        .target(name: "RedisClient", dependencies: ["HTTPEngine", "IPAddressing"]),
        .testTarget(name: "RedisClientTests", dependencies: ["RedisClient", "HTTPEngine", "RedisTestSupport", "TestSupport"]),
        // Test-only: starts throw-away redis-server processes for the Redis client's and stage 5's tests.
        .target(name: "RedisTestSupport", dependencies: ["RedisClient", "HTTPEngine"], path: "Tests/RedisTestSupport"),

        // Linux system calls the Glibc module does not expose (epoll, eventfd, accept4).
        .target(name: "CLinuxSystem"),
        // The project's own HTTP/1.1 server and upstream client; shared by stages 3 and 5.
        .target(name: "HTTPEngine", dependencies: ["CLinuxSystem", "IPAddressing", "ThreadSanitizerAnnotations"], swiftSettings: releaseWithoutExclusivityChecks),
        .testTarget(name: "HTTPEngineTests", dependencies: ["HTTPEngine", "IPAddressing", "TestSupport"]),
        // Test-only, for several test targets: loopback sockets for scripted peers, ports that refuse connections while held, a one-shot signal.
        .target(name: "TestSupport", dependencies: ["HTTPEngine"], path: "Tests/TestSupport"),
        // A reverse proxy on the engine: routes, weighted round-robin pools, health checks, failover; used by stage 5.
        .target(name: "ReverseProxy", dependencies: ["HTTPEngine", "ThreadSanitizerAnnotations"], swiftSettings: releaseWithoutExclusivityChecks),
        .testTarget(name: "ReverseProxyTests", dependencies: ["ReverseProxy", "HTTPEngine", "TestSupport"]),
        // A one-route proxy for the reverse-proxy benchmark script.
        .executableTarget(name: "ReverseProxyServer", dependencies: ["ReverseProxy", "HTTPEngine", "BenchmarkServing"], path: "Benchmarks/ReverseProxyServer"),
        // A "hello" server for the engine's benchmark and conformance scripts.
        .executableTarget(name: "HelloServer", dependencies: ["HTTPEngine", "BenchmarkServing"], path: "Benchmarks/HelloServer"),
        // Streams large uploads and downloads for the streaming benchmark (flat memory, MB/s).
        .executableTarget(name: "StreamServer", dependencies: ["HTTPEngine", "BenchmarkServing"], path: "Benchmarks/StreamServer"),
        // What the benchmark servers share: serving until SIGTERM has drained them.
        .target(name: "BenchmarkServing", dependencies: ["HTTPEngine"], path: "Benchmarks/BenchmarkServing"),

        // Drives EVALSHA through the Redis client (or stage 5's Redis store) beside redis-benchmark.
        .executableTarget(name: "RedisBenchmark", dependencies: ["RedisClient", "HTTPEngine", "V5ProductionLimiter"], path: "Benchmarks/RedisBenchmark"),

        // Replays request traces through the stages' limiters on simulated time; tables, SVG charts, the walkthroughs' pictures.
        .target(name: "Simulation", dependencies: ["V1TokenBucket", "V2KeyedLimiter", "V3RateLimitMiddleware", "V4LongRunningLimiter", "V5ProductionLimiter"], path: "Tools/Simulation"),
        // The simulator's command line: `swift run Simulator --help`.
        .executableTarget(name: "Simulator", dependencies: ["Simulation"], path: "Tools/Simulator"),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulation"]),

        // One harness that measures every stage with the same scenarios.
        .executableTarget(
            name: "LimiterBenchmarks",
            dependencies: ["V1TokenBucket", "V2KeyedLimiter", "V3RateLimitMiddleware", "V4LongRunningLimiter", "V5ProductionLimiter"],
            path: "Benchmarks/LimiterBenchmarks"
        ),
    ]
)
